package partners

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestAWriteWaitsForTheAdmission(t *testing.T) {
	refused := Errorf(RateLimited, "slow down")
	tests := []struct {
		name   string
		decide error
		want   error
	}{
		{name: "admitted", decide: nil, want: nil},
		{name: "refused", decide: refused, want: refused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gate := make(chan struct{})
			var countCtx context.Context
			adm := NewAdmission(context.Background(), func(ctx context.Context) error {
				countCtx = ctx
				<-gate
				return tt.decide
			})
			ctx := WithAdmission(context.Background(), adm)
			got := make(chan error, 1)
			go func() { got <- AwaitAdmission(ctx) }()
			select {
			case err := <-got:
				t.Fatalf("the write went on before the count answered (%v)", err)
			case <-time.After(20 * time.Millisecond):
			}
			close(gate)
			if err := <-got; !errors.Is(err, tt.want) {
				t.Errorf("AwaitAdmission = %v, want %v", err, tt.want)
			}
			if err := AwaitAdmission(countCtx); err != nil {
				t.Errorf("the count's own writes waited for it: %v", err)
			}
			if err := AwaitAdmission(WithoutAdmission(ctx)); err != nil {
				t.Errorf("a count of the request waited: %v", err)
			}
		})
	}
	if err := AwaitAdmission(context.Background()); err != nil {
		t.Errorf("a context without an admission (stream consumers, tools) waited: %v", err)
	}
}

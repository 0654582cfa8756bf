package emails

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestOver(t *testing.T) {
	base := Templates{Subject: "base subject", HTML: "<p>base {{.Link}}</p>", Text: ""}
	tests := []struct {
		name string
		own  Templates
		want Templates
	}{
		{"empty takes every part of the base", Templates{}, base},
		{"blank is empty", Templates{Subject: "  \n"}, base},
		{"own parts win", Templates{Subject: "own", Text: "own {{.Link}}"}, Templates{Subject: "own", HTML: base.HTML, Text: "own {{.Link}}"}},
		{"a part empty in both stays empty", Templates{HTML: "<b>{{.Link}}</b>"}, Templates{Subject: base.Subject, HTML: "<b>{{.Link}}</b>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.own.Over(base)); diff != "" {
				t.Errorf("Over (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSize(t *testing.T) {
	if got := (Templates{Subject: "ab", HTML: "é", Text: "xyz"}).Size(); got != 7 {
		t.Errorf("Size = %d, want 7 (bytes, not characters)", got)
	}
}

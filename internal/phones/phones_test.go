package phones

import (
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		in, region string
		want       string
		wantErr    bool
	}{
		{in: "+49 30 901820", want: "+4930901820"},
		{in: "+1 (415) 555-2671", want: "+14155552671"},
		{in: "030 901820", region: "DE", want: "+4930901820"},
		{in: "030 901820", wantErr: true}, // national form without a country
		{in: "+49 1", wantErr: true},      // too short for Germany
		{in: "not a phone", region: "US", wantErr: true},
		{in: "+1 555 0100", wantErr: true}, // 555-01xx is not a valid US number
	}
	for _, tt := range tests {
		got, reason := Normalize(tt.in, tt.region)
		if (reason != "") != tt.wantErr || got != tt.want {
			t.Errorf("Normalize(%q, %q) = %q, %q; want %q, error %v", tt.in, tt.region, got, reason, tt.want, tt.wantErr)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"+49 30 901820", "030 901820", "+1 (415) 555-2671", "+", "++1", "+999999999999999999999"} {
		f.Add(s, "DE")
		f.Add(s, "")
	}
	f.Fuzz(func(t *testing.T, in, region string) {
		got, reason := Normalize(in, region)
		if reason == "" {
			if !strings.HasPrefix(got, "+") || len(got) > 16 {
				t.Fatalf("Normalize(%q, %q) = %q: not E.164", in, region, got)
			}
			again, reason := Normalize(got, "")
			if reason != "" || again != got {
				t.Fatalf("E.164 %q does not normalise to itself: %q, %q", got, again, reason)
			}
		}
	})
}

package grants

import (
	"strings"
	"testing"

	"github.com/partnerinvites/partnerinvites/internal/apigw"
)

func TestEveryFunctionHasItsNeeds(t *testing.T) {
	for _, fn := range apigw.Functions() {
		n, ok := Of(fn)
		if !ok {
			t.Errorf("%s has no entry", fn)
			continue
		}
		for _, a := range n.Actions() {
			if strings.Contains(a, "*") {
				t.Errorf("%s: wildcard action %s", fn, a)
			}
		}
	}
	if len(needs) != len(apigw.Functions()) {
		t.Errorf("%d entries for %d functions", len(needs), len(apigw.Functions()))
	}
}

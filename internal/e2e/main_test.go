package e2e

import (
	"fmt"
	"os"
	"testing"

	"github.com/partnerinvites/partnerinvites/internal/testenv"
)

// TestMain fails the package if any function called AWS without a grant
// for it (internal/grants, which the stack grants exactly).
func TestMain(m *testing.M) {
	code := m.Run()
	if err := testenv.CheckGrants(); err != nil && code == 0 {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		code = 1
	}
	os.Exit(code)
}

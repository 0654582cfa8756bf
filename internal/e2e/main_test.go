package e2e

import (
	"testing"

	"github.com/partnerinvites/partnerinvites/internal/testenv"
)

// TestMain fails the package if any function called AWS without a grant
// for it (internal/grants, which the stack grants exactly).
func TestMain(m *testing.M) { testenv.Main(m) }

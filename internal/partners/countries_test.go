package partners

import (
	"testing"

	"github.com/biter777/countries"
)

// The table of country codes is the library's, letter pair by letter pair.
func TestCountryCodesMatchTheLibrary(t *testing.T) {
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			code := string([]rune{a, b})
			c := countries.ByName(code)
			want := c != countries.Unknown && c.Alpha2() == code
			if _, got := NormalizeCountry(code); got != want {
				t.Errorf("NormalizeCountry(%q) = %v, the library says %v", code, got, want)
			}
		}
	}
}

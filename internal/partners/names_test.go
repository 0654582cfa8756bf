package partners

import (
	"strings"
	"testing"
)

// A bulk invite's addresses (one per array item, or a pasted list) and the
// CSV import read a name the same way: the one parser is SplitPersonName,
// reached through ListEntry.PersonName. In a pasted list a comma separates
// addresses, so "Last, First" needs its quotes there, as mail clients write it.
func TestNamesAreReadAlikePastedAndInCSV(t *testing.T) {
	tests := []struct {
		address     string
		first, last string
		// inList: the address reads as one entry of a pasted list too.
		inList bool
	}{
		{"Grace Hopper <g@x.io>", "Grace", "Hopper", true},
		{`"Hopper, Grace" <g@x.io>`, "Grace", "Hopper", true},
		{"Hopper, Grace <g@x.io>", "Grace", "Hopper", false},
		{"Grace Brewster Hopper <g@x.io>", "Grace Brewster", "Hopper", true},
		{`"Hopper,Grace Brewster" <g@x.io>`, "Grace Brewster", "Hopper", true},
		{"Grace <g@x.io>", "Grace", "", true},
		{"g@x.io", "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.address, func(t *testing.T) {
			check := func(how string, e ListEntry) {
				t.Helper()
				if first, last := e.PersonName(); first != tt.first || last != tt.last {
					t.Errorf("%s: got (%q, %q), want (%q, %q)", how, first, last, tt.first, tt.last)
				}
			}
			check("array item", ParseAddress(tt.address))
			if tt.inList {
				pasted := ParseEmailList(tt.address)
				if len(pasted) != 1 {
					t.Fatalf("pasted %q gave %d entries, want 1: %+v", tt.address, len(pasted), pasted)
				}
				check("pasted", pasted[0])
			}
			csv := "email,role\n\"" + strings.ReplaceAll(tt.address, `"`, `""`) + "\",member\n"
			rows, err := ParseInvitationCSV([]byte(csv))
			if err != nil {
				t.Fatal(err)
			}
			if rows[0].FirstName != tt.first || rows[0].LastName != tt.last {
				t.Errorf("CSV: got (%q, %q), want (%q, %q)", rows[0].FirstName, rows[0].LastName, tt.first, tt.last)
			}
		})
	}
}

package phones

import (
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// TestEveryExampleNumberIsValid checks the metadata as decoded by our copy
// of libphonenumber (third_party/phonenumbers decodes it without the
// protobuf runtime, PATCHES.md change 3): every region's example number of
// every type parses, is valid, is of that type and formats back to itself,
// as upstream's own example-number test asks. A field the decoder dropped or
// misread would fail here for the regions that use it.
func TestEveryExampleNumberIsValid(t *testing.T) {
	types := []phonenumbers.PhoneNumberType{
		phonenumbers.FIXED_LINE, phonenumbers.MOBILE, phonenumbers.TOLL_FREE, phonenumbers.PREMIUM_RATE,
		phonenumbers.SHARED_COST, phonenumbers.VOIP, phonenumbers.PERSONAL_NUMBER, phonenumbers.PAGER,
		phonenumbers.UAN, phonenumbers.VOICEMAIL,
	}
	regions := phonenumbers.GetSupportedRegions()
	if len(regions) < 240 {
		t.Fatalf("%d supported regions; the metadata has about 245", len(regions))
	}
	checked := 0
	for region := range regions {
		for _, typ := range types {
			ex := phonenumbers.GetExampleNumberForType(region, typ)
			if ex == nil {
				continue
			}
			checked++
			e164 := phonenumbers.Format(ex, phonenumbers.E164)
			got, reason := Normalize(e164, "")
			if reason != "" || got != e164 {
				t.Errorf("%s %v: example %s normalised to %q, %q", region, typ, e164, got, reason)
				continue
			}
			national := phonenumbers.Format(ex, phonenumbers.NATIONAL)
			// Argentina's national form of a mobile ("09 15-2345-6789") does
			// not parse back to the number, with upstream's decoder too.
			if region == "AR" && typ == phonenumbers.MOBILE {
				continue
			}
			if got, reason := Normalize(national, region); got != e164 {
				t.Errorf("%s %v: national form %q normalised to %q, %q; want %s", region, typ, national, got, reason, e164)
			}
			gotType := phonenumbers.GetNumberType(ex)
			if gotType != typ && !(gotType == phonenumbers.FIXED_LINE_OR_MOBILE && (typ == phonenumbers.FIXED_LINE || typ == phonenumbers.MOBILE)) {
				t.Errorf("%s: example %s of type %v is of type %v", region, e164, typ, gotType)
			}
		}
	}
	if checked < 1000 {
		t.Errorf("only %d example numbers checked", checked)
	}
	t.Logf("%d example numbers in %d regions", checked, len(regions))
}

// TestNumbersFormatAsUpstream pins a few formats that exercise the format
// rules (patterns, leading digits, national prefix rules) of the metadata.
func TestNumbersFormatAsUpstream(t *testing.T) {
	tests := []struct {
		in, region string
		national   string
		intl       string
	}{
		{in: "+16502530000", national: "(650) 253-0000", intl: "+1 650-253-0000"},
		{in: "+442070313000", national: "020 7031 3000", intl: "+44 20 7031 3000"},
		{in: "+33123456789", national: "01 23 45 67 89", intl: "+33 1 23 45 67 89"},
		{in: "+4930901820", national: "030 901820", intl: "+49 30 901820"},
		{in: "+61236618300", national: "(02) 3661 8300", intl: "+61 2 3661 8300"},
		{in: "0612345678", region: "NL", national: "06 12345678", intl: "+31 6 12345678"},
	}
	for _, tt := range tests {
		n, err := phonenumbers.Parse(tt.in, tt.region)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got := phonenumbers.Format(n, phonenumbers.NATIONAL); got != tt.national {
			t.Errorf("%s national = %q, want %q", tt.in, got, tt.national)
		}
		if got := phonenumbers.Format(n, phonenumbers.INTERNATIONAL); got != tt.intl {
			t.Errorf("%s international = %q, want %q", tt.in, got, tt.intl)
		}
	}
}

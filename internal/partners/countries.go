package partners

import "strings"

// countryCodes are the ISO 3166-1 alpha-2 codes a partner's country may
// take: the set github.com/biter777/countries knows (with its AN, XK and YU),
// kept here as data so that no function pays that library's init — it
// links golang.org/x/text/language/display — on every cold start.
// TestCountryCodesMatchTheLibrary keeps the two the same.
const countryCodes = "AD AE AF AG AI AL AM AN AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT YU ZA ZM ZW"

// NormalizeCountry returns the ISO 3166-1 alpha-2 code for s (any case), and
// false if s is not one.
func NormalizeCountry(s string) (string, bool) {
	code := strings.ToUpper(strings.TrimSpace(s))
	if len(code) != 2 || !strings.Contains(" "+countryCodes+" ", " "+code+" ") {
		return "", false
	}
	return code, true
}

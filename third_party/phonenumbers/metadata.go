package phonenumbers

import _ "embed"

// This copy embeds only the metadata that parsing, validating and
// formatting need: the carrier, geocoding and time-zone data of upstream
// (about 1 MB) are left out, with the files that read them. See
// third_party/phonenumbers/PATCHES.md.

//go:embed data/countrycode_to_region.xml.gz
var regionData []byte

//go:embed data/metadata.xml.gz
var numberData []byte

//go:embed data/shortnumber_metadata.xml.gz
var shortNumberData []byte

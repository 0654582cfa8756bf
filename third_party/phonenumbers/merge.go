// Patched (see PATCHES.md, change 3): what the code needed from the protobuf
// runtime besides decoding — proto.Merge of the two message types it copies,
// and the pointer helpers.

package phonenumbers

// mergeNumber does proto.Merge(dst, src) for a PhoneNumber: every field set
// in src is set in dst (to a copy of its value).
func mergeNumber(dst, src *PhoneNumber) {
	if src == nil {
		return
	}
	if src.CountryCode != nil {
		dst.CountryCode = protoInt32(*src.CountryCode)
	}
	if src.NationalNumber != nil {
		dst.NationalNumber = protoUint64(*src.NationalNumber)
	}
	if src.Extension != nil {
		dst.Extension = protoString(*src.Extension)
	}
	if src.ItalianLeadingZero != nil {
		dst.ItalianLeadingZero = protoBool(*src.ItalianLeadingZero)
	}
	if src.NumberOfLeadingZeros != nil {
		dst.NumberOfLeadingZeros = protoInt32(*src.NumberOfLeadingZeros)
	}
	if src.RawInput != nil {
		dst.RawInput = protoString(*src.RawInput)
	}
	if src.CountryCodeSource != nil {
		dst.CountryCodeSource = src.CountryCodeSource.Enum()
	}
	if src.PreferredDomesticCarrierCode != nil {
		dst.PreferredDomesticCarrierCode = protoString(*src.PreferredDomesticCarrierCode)
	}
}

// mergeFormat does proto.Merge(dst, src) for a NumberFormat (the repeated
// field is appended to, as the runtime does).
func mergeFormat(dst, src *NumberFormat) {
	if src == nil {
		return
	}
	if src.Pattern != nil {
		dst.Pattern = protoString(*src.Pattern)
	}
	if src.Format != nil {
		dst.Format = protoString(*src.Format)
	}
	dst.LeadingDigitsPattern = append(dst.LeadingDigitsPattern, src.LeadingDigitsPattern...)
	if src.NationalPrefixFormattingRule != nil {
		dst.NationalPrefixFormattingRule = protoString(*src.NationalPrefixFormattingRule)
	}
	if src.NationalPrefixOptionalWhenFormatting != nil {
		dst.NationalPrefixOptionalWhenFormatting = protoBool(*src.NationalPrefixOptionalWhenFormatting)
	}
	if src.DomesticCarrierCodeFormattingRule != nil {
		dst.DomesticCarrierCodeFormattingRule = protoString(*src.DomesticCarrierCodeFormattingRule)
	}
}

func protoString(s string) *string { return &s }
func protoInt32(i int32) *int32    { return &i }
func protoUint64(i uint64) *uint64 { return &i }
func protoBool(b bool) *bool       { return &b }

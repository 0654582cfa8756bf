// Patched (see PATCHES.md, change 3): the metadata is decoded by this small
// reader of the protobuf wire format instead of the protobuf runtime, whose
// reflection kept ~4 MiB of otherwise dead code in every binary linking this
// package. It reads exactly the messages and fields of phonemetadata.proto
// (the field numbers are those of the generated code it replaces) and skips
// any other field, as the runtime does.

package phonenumbers

import (
	"errors"
	"fmt"
)

// wire reads one message's fields from buf.
type wire struct {
	buf []byte
}

var errTruncated = errors.New("phonenumbers: truncated metadata")

func (w *wire) varint() (uint64, error) {
	var v uint64
	for shift := uint(0); shift < 64; shift += 7 {
		if len(w.buf) == 0 {
			return 0, errTruncated
		}
		b := w.buf[0]
		w.buf = w.buf[1:]
		v |= uint64(b&0x7f) << shift
		if b < 0x80 {
			return v, nil
		}
	}
	return 0, errors.New("phonenumbers: varint overflows 64 bits")
}

func (w *wire) bytes() ([]byte, error) {
	n, err := w.varint()
	if err != nil {
		return nil, err
	}
	if n > uint64(len(w.buf)) {
		return nil, errTruncated
	}
	b := w.buf[:n]
	w.buf = w.buf[n:]
	return b, nil
}

// next returns the next field's number and wire type.
func (w *wire) next() (field int, wireType int, err error) {
	tag, err := w.varint()
	if err != nil {
		return 0, 0, err
	}
	return int(tag >> 3), int(tag & 7), nil
}

// skip passes over a field of the given wire type.
func (w *wire) skip(wireType int) error {
	switch wireType {
	case 0:
		_, err := w.varint()
		return err
	case 1:
		if len(w.buf) < 8 {
			return errTruncated
		}
		w.buf = w.buf[8:]
	case 2:
		_, err := w.bytes()
		return err
	case 5:
		if len(w.buf) < 4 {
			return errTruncated
		}
		w.buf = w.buf[4:]
	default:
		return fmt.Errorf("phonenumbers: unsupported wire type %d", wireType)
	}
	return nil
}

func (w *wire) string() (*string, error) {
	b, err := w.bytes()
	if err != nil {
		return nil, err
	}
	s := string(b)
	return &s, nil
}

func (w *wire) int32() (*int32, error) {
	v, err := w.varint()
	if err != nil {
		return nil, err
	}
	i := int32(v)
	return &i, nil
}

func (w *wire) bool() (*bool, error) {
	v, err := w.varint()
	if err != nil {
		return nil, err
	}
	b := v != 0
	return &b, nil
}

// int32s appends a repeated int32 field's value(s): one varint, or a packed
// run of them.
func (w *wire) int32s(dst []int32, wireType int) ([]int32, error) {
	if wireType == 0 {
		v, err := w.int32()
		if err != nil {
			return dst, err
		}
		return append(dst, *v), nil
	}
	b, err := w.bytes()
	if err != nil {
		return dst, err
	}
	packed := wire{buf: b}
	for len(packed.buf) > 0 {
		v, err := packed.int32()
		if err != nil {
			return dst, err
		}
		dst = append(dst, *v)
	}
	return dst, nil
}

// unmarshalCollection decodes a PhoneMetadataCollection.
func unmarshalCollection(b []byte, c *PhoneMetadataCollection) error {
	w := wire{buf: b}
	for len(w.buf) > 0 {
		field, wt, err := w.next()
		if err != nil {
			return err
		}
		if field != 1 || wt != 2 {
			if err := w.skip(wt); err != nil {
				return err
			}
			continue
		}
		mb, err := w.bytes()
		if err != nil {
			return err
		}
		m := &PhoneMetadata{}
		if err := unmarshalMetadata(mb, m); err != nil {
			return err
		}
		c.Metadata = append(c.Metadata, m)
	}
	return nil
}

func unmarshalMetadata(b []byte, m *PhoneMetadata) error {
	descs := map[int]**PhoneNumberDesc{
		1: &m.GeneralDesc, 2: &m.FixedLine, 3: &m.Mobile, 4: &m.TollFree, 5: &m.PremiumRate,
		6: &m.SharedCost, 7: &m.PersonalNumber, 8: &m.Voip, 21: &m.Pager, 25: &m.Uan,
		27: &m.Emergency, 28: &m.Voicemail, 29: &m.ShortCode, 30: &m.StandardRate,
		31: &m.CarrierSpecific, 33: &m.SmsServices, 24: &m.NoInternationalDialling,
	}
	strs := map[int]**string{
		9: &m.Id, 11: &m.InternationalPrefix, 17: &m.PreferredInternationalPrefix,
		12: &m.NationalPrefix, 13: &m.PreferredExtnPrefix, 15: &m.NationalPrefixForParsing,
		16: &m.NationalPrefixTransformRule, 23: &m.LeadingDigits,
	}
	bools := map[int]**bool{
		18: &m.SameMobileAndFixedLinePattern, 22: &m.MainCountryForCode,
		26: &m.LeadingZeroPossible, 32: &m.MobileNumberPortableRegion,
	}
	w := wire{buf: b}
	for len(w.buf) > 0 {
		field, wt, err := w.next()
		if err != nil {
			return err
		}
		switch {
		case descs[field] != nil && wt == 2:
			db, err := w.bytes()
			if err != nil {
				return err
			}
			d := *descs[field]
			if d == nil { // a repeated occurrence merges, as in the runtime
				d = &PhoneNumberDesc{}
				*descs[field] = d
			}
			err = unmarshalDesc(db, d)
		case strs[field] != nil && wt == 2:
			*strs[field], err = w.string()
		case bools[field] != nil && wt == 0:
			*bools[field], err = w.bool()
		case field == 10 && wt == 0:
			m.CountryCode, err = w.int32()
		case (field == 19 || field == 20) && wt == 2:
			var fb []byte
			if fb, err = w.bytes(); err == nil {
				f := &NumberFormat{}
				if err = unmarshalFormat(fb, f); field == 19 {
					m.NumberFormat = append(m.NumberFormat, f)
				} else {
					m.IntlNumberFormat = append(m.IntlNumberFormat, f)
				}
			}
		default:
			err = w.skip(wt)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func unmarshalDesc(b []byte, d *PhoneNumberDesc) error {
	w := wire{buf: b}
	for len(w.buf) > 0 {
		field, wt, err := w.next()
		if err != nil {
			return err
		}
		switch {
		case field == 2 && wt == 2:
			d.NationalNumberPattern, err = w.string()
		case field == 6 && wt == 2:
			d.ExampleNumber, err = w.string()
		case field == 9 && (wt == 0 || wt == 2):
			d.PossibleLength, err = w.int32s(d.PossibleLength, wt)
		case field == 10 && (wt == 0 || wt == 2):
			d.PossibleLengthLocalOnly, err = w.int32s(d.PossibleLengthLocalOnly, wt)
		default:
			err = w.skip(wt)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func unmarshalFormat(b []byte, f *NumberFormat) error {
	w := wire{buf: b}
	for len(w.buf) > 0 {
		field, wt, err := w.next()
		if err != nil {
			return err
		}
		switch {
		case field == 1 && wt == 2:
			f.Pattern, err = w.string()
		case field == 2 && wt == 2:
			f.Format, err = w.string()
		case field == 3 && wt == 2:
			var s *string
			if s, err = w.string(); err == nil {
				f.LeadingDigitsPattern = append(f.LeadingDigitsPattern, *s)
			}
		case field == 4 && wt == 2:
			f.NationalPrefixFormattingRule, err = w.string()
		case field == 5 && wt == 2:
			f.DomesticCarrierCodeFormattingRule, err = w.string()
		case field == 6 && wt == 0:
			f.NationalPrefixOptionalWhenFormatting, err = w.bool()
		default:
			err = w.skip(wt)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

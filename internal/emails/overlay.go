package emails

import "strings"

// Over returns t with each part it leaves empty taken from base: a tenant's
// named template over its default one. A part empty in both stays empty, and
// Render then uses the built-in part.
func (t Templates) Over(base Templates) Templates {
	pick := func(own, fallback string) string {
		if strings.TrimSpace(own) != "" {
			return own
		}
		return fallback
	}
	return Templates{
		Subject: pick(t.Subject, base.Subject),
		HTML:    pick(t.HTML, base.HTML),
		Text:    pick(t.Text, base.Text),
	}
}

// Size is the length of the three parts, in bytes: what they take of the
// settings item.
func (t Templates) Size() int { return len(t.Subject) + len(t.HTML) + len(t.Text) }

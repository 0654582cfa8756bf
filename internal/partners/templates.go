package partners

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/partnerinvites/partnerinvites/internal/emails"
)

// Named email templates: besides its default template (Settings.Email), a
// tenant keeps up to MaxNamedTemplates templates by name, and each invite
// may choose one (InviteInput.Template). A part a named template leaves
// empty is the default template's part, and a part empty there too is the
// built-in one.

// Limits of the templates in the settings.
const (
	// MaxNamedTemplates is how many named templates a tenant keeps.
	MaxNamedTemplates = 10
	// MaxTemplateBytes bounds all the templates together, the default and
	// the named ones, every part counted in bytes: what one template at its
	// largest took before there were named ones. It keeps the settings item
	// (which also holds the partner form) well inside DynamoDB's 400 KB.
	MaxTemplateBytes = emails.MaxSubjectLen + emails.MaxHTMLLen + emails.MaxTextLen
	// DefaultTemplateName names the default template in a request. It is
	// reserved: no named template has it.
	DefaultTemplateName = "default"
)

var templateNameRE = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,49}$`)

// EmailTemplatesFor returns the templates an invitation made with the named
// template is emailed with: the named one over the default, or the default
// for the empty name. found is false when the name is no longer in the
// settings (deleted after the invite): the default is returned then.
func (s Settings) EmailTemplatesFor(name string) (t emails.Templates, found bool) {
	if name == "" {
		return s.Email, true
	}
	named, ok := s.NamedEmail[name]
	if !ok {
		return s.Email, false
	}
	return named.Over(s.Email), true
}

// TemplateNames are the names of the named templates, sorted.
func (s Settings) TemplateNames() []string {
	names := make([]string, 0, len(s.NamedEmail))
	for name := range s.NamedEmail {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// checkEmailTemplates checks the default and the named templates as each
// would be sent, and their number, names and total size. Problems are named
// by field: email_templates.html, named_email_templates.NAME.text, ….
func checkEmailTemplates(fe *fieldErrors, s *Settings) {
	checkTemplateParts(fe, "email_templates.", s.Email)
	if len(s.NamedEmail) > MaxNamedTemplates {
		fe.add("named_email_templates", "too_many", fmt.Sprintf("named_email_templates may hold at most %d templates.", MaxNamedTemplates))
	}
	total := s.Email.Size()
	for _, name := range s.TemplateNames() {
		field := "named_email_templates." + name
		switch {
		case name == DefaultTemplateName:
			fe.add(field, "reserved_name", `"default" names email_templates; give this template another name.`)
		case !templateNameRE.MatchString(name):
			fe.add(field, "invalid_name", "a template name is 1 to 50 lower-case letters, digits, - or _, starting with a letter.")
		default:
			// A part left empty is the default's, checked above: its own
			// parts are all there is to check. Parts render alone, so a
			// named part cannot fail only beside a default one.
			checkTemplateParts(fe, field+".", s.NamedEmail[name])
		}
		total += s.NamedEmail[name].Size()
	}
	if total > MaxTemplateBytes && len(s.NamedEmail) > 0 {
		fe.add("named_email_templates", "too_large", fmt.Sprintf("email_templates and named_email_templates must total at most %d bytes (they have %d).", MaxTemplateBytes, total))
	}
}

// checkTemplateParts adds a problem, under prefix, for each part of t that
// cannot be used.
func checkTemplateParts(fe *fieldErrors, prefix string, t emails.Templates) {
	for _, p := range emails.Check(t) {
		code := "invalid_template"
		if p.Reason != "" && p.Reason != emails.ReasonInvalid {
			code = p.Reason
		}
		fe.add(prefix+p.Part, code, p.String())
	}
}

// checkTemplateChoice normalises the template an invite asks for, under
// field: empty or "default" is the default (""), any other name must be one
// of the settings' named templates.
func checkTemplateChoice(fe *fieldErrors, field string, name *string, st Settings) {
	*name = strings.TrimSpace(*name)
	if *name == DefaultTemplateName {
		*name = ""
	}
	if *name == "" {
		return
	}
	if _, ok := st.NamedEmail[*name]; ok {
		return
	}
	known := "you have none; omit " + field + " for the default"
	if names := st.TemplateNames(); len(names) > 0 {
		known = "yours are " + strings.Join(names, ", ") + "; omit " + field + " for the default"
	}
	fe.add(field, "unknown_template", fmt.Sprintf("%s %.60q is not one of your email templates (%s).", field, *name, known))
}

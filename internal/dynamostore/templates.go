package dynamostore

import "github.com/partnerinvites/partnerinvites/internal/emails"

// A tenant's named email templates (in the settings), as stored: a map
// attribute by name, each part left out when empty.

type templateRecord struct {
	Subject string `dynamodbav:"subject,omitempty"`
	HTML    string `dynamodbav:"html,omitempty"`
	Text    string `dynamodbav:"text,omitempty"`
}

func newTemplateRecords(named map[string]emails.Templates) map[string]templateRecord {
	if len(named) == 0 {
		return nil
	}
	out := make(map[string]templateRecord, len(named))
	for name, t := range named {
		out[name] = templateRecord{Subject: t.Subject, HTML: t.HTML, Text: t.Text}
	}
	return out
}

func namedTemplatesOf(records map[string]templateRecord) map[string]emails.Templates {
	out := make(map[string]emails.Templates, len(records))
	for name, r := range records {
		out[name] = emails.Templates{Subject: r.Subject, HTML: r.HTML, Text: r.Text}
	}
	return out
}

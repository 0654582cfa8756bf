package dynamostore

import "github.com/partnerinvites/partnerinvites/internal/partners"

// The partner form (in the settings) and a partner's answers (on the
// partner), as stored.

type formQuestionRecord struct {
	Key      string   `dynamodbav:"key"`
	Label    string   `dynamodbav:"label"`
	Help     string   `dynamodbav:"help,omitempty"`
	Type     string   `dynamodbav:"type"`
	Required bool     `dynamodbav:"required,omitempty"`
	Choices  []string `dynamodbav:"choices,omitempty"`
}

func newFormRecords(f partners.PartnerForm) []formQuestionRecord {
	out := make([]formQuestionRecord, 0, len(f.Questions))
	for _, q := range f.Questions {
		out = append(out, formQuestionRecord{Key: q.Key, Label: q.Label, Help: q.Help, Type: string(q.Type), Required: q.Required, Choices: q.Choices})
	}
	return out
}

func formOf(questions []formQuestionRecord, reviewRequired bool) partners.PartnerForm {
	f := partners.PartnerForm{ReviewRequired: reviewRequired, Questions: make([]partners.FormQuestion, 0, len(questions))}
	for _, q := range questions {
		f.Questions = append(f.Questions, partners.FormQuestion{
			Key: q.Key, Label: q.Label, Help: q.Help, Type: partners.QuestionType(q.Type), Required: q.Required, Choices: q.Choices,
		})
	}
	return f
}

type formAnswerRecord struct {
	Key     string   `dynamodbav:"key"`
	Label   string   `dynamodbav:"label"`
	Type    string   `dynamodbav:"type"`
	Text    string   `dynamodbav:"text,omitempty"`
	Choices []string `dynamodbav:"choices,omitempty"`
	Checked bool     `dynamodbav:"checked,omitempty"`
}

func newAnswerRecords(answers []partners.FormAnswer) []formAnswerRecord {
	if len(answers) == 0 {
		return nil
	}
	out := make([]formAnswerRecord, 0, len(answers))
	for _, a := range answers {
		out = append(out, formAnswerRecord{Key: a.Key, Label: a.Label, Type: string(a.Type), Text: a.Text, Choices: a.Choices, Checked: a.Checked})
	}
	return out
}

func answersOf(records []formAnswerRecord) []partners.FormAnswer {
	if len(records) == 0 {
		return nil
	}
	out := make([]partners.FormAnswer, 0, len(records))
	for _, a := range records {
		out = append(out, partners.FormAnswer{Key: a.Key, Label: a.Label, Type: partners.QuestionType(a.Type), Text: a.Text, Choices: a.Choices, Checked: a.Checked})
	}
	return out
}

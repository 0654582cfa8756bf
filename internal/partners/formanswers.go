package partners

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// FormAnswer is a partner's answer to one question of the partner form. It
// keeps the question's key, label and type as they were when answered, so
// that a later change of the form never changes what a partner said.
type FormAnswer struct {
	Key   string
	Label string
	Type  QuestionType
	// Text is the answer of text, long_text, url, country (an ISO code) and
	// single_choice questions.
	Text string
	// Choices are a multi_choice question's chosen options, in the form's
	// order.
	Choices []string
	// Checked is a checkbox question's answer.
	Checked bool
}

// FormInput is a submitted form: the values given for each question key,
// as a form post gives them (a multi_choice question may have several; a
// checkbox "true" or "on" when ticked).
type FormInput map[string][]string

// Limits of answers. MaxAnswersChars bounds them all together: the
// answers travel in every event of the partner, which must stay well
// inside EventBridge's 256 KB entry (JSON may write a character as six
// bytes) and the partner item inside DynamoDB's 400 KB.
const (
	maxTextAnswer     = 1000
	maxLongTextAnswer = 5000
	MaxAnswersChars   = 20_000
)

// checkAnswers checks a submitted form against the tenant's form and returns
// the answers to store, reporting each missing or bad answer under
// answers.<key>. Values for a key the form does not ask are refused, so a
// typo is not silently lost.
func checkAnswers(form PartnerForm, in FormInput) ([]FormAnswer, error) {
	var fe fieldErrors
	unknown := make([]string, 0)
	for key := range in {
		if _, ok := form.question(key); !ok {
			unknown = append(unknown, key)
		}
	}
	sort.Strings(unknown)
	for _, key := range unknown {
		fe.add("answers."+fieldKey(key), "unknown_question", "The form has no question "+fieldKey(key)+".")
	}
	answers := make([]FormAnswer, 0, len(form.Questions))
	for _, q := range form.Questions {
		a, ok := answerOf(&fe, q, in[q.Key])
		if ok {
			answers = append(answers, a)
		}
	}
	total := 0
	for _, a := range answers {
		total += utf8.RuneCountInString(a.Text)
		for _, c := range a.Choices {
			total += utf8.RuneCountInString(c)
		}
	}
	if total > MaxAnswersChars {
		fe.add("answers", "too_large", fmt.Sprintf("The answers must total at most %d characters (they have %d).", MaxAnswersChars, total))
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	return answers, nil
}

// fieldKey shows a submitted key in an error without letting it be long or
// odd: keys come from whoever posts the form.
func fieldKey(key string) string {
	if !utf8.ValidString(key) || strings.IndexFunc(key, unicode.IsControl) >= 0 {
		return "(invalid key)"
	}
	if utf8.RuneCountInString(key) > 50 {
		return string([]rune(key)[:50]) + "…"
	}
	return key
}

// answerOf checks the values given for one question; ok is false when the
// question is (validly) left unanswered.
func answerOf(fe *fieldErrors, q FormQuestion, values []string) (FormAnswer, bool) {
	field := "answers." + q.Key
	a := FormAnswer{Key: q.Key, Label: q.Label, Type: q.Type}
	given := make([]string, 0, len(values))
	for _, v := range values {
		if v = strings.TrimSpace(v); v != "" {
			given = append(given, v)
		}
	}
	if q.Type == QuestionCheckbox {
		return checkboxAnswer(fe, q, field, a, given)
	}
	if len(given) == 0 {
		if q.Required {
			fe.add(field, "required", fmt.Sprintf("%q must be answered.", q.Label))
		}
		return a, false
	}
	if q.Type != QuestionMultiChoice && len(given) > 1 {
		fe.add(field, "too_many_values", fmt.Sprintf("%q takes one answer.", q.Label))
		return a, false
	}
	v := given[0]
	switch q.Type {
	case QuestionText, QuestionLongText:
		return textAnswer(fe, q, field, a, v)
	case QuestionURL:
		if u, err := url.Parse(v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || len(v) > maxURLLen {
			fe.add(field, "invalid_url", fmt.Sprintf("%q must be a web address starting with https://.", q.Label))
			return a, false
		}
	case QuestionCountry:
		code, ok := NormalizeCountry(v)
		if !ok {
			fe.add(field, "invalid_country", fmt.Sprintf("%q must be a country's ISO 3166-1 alpha-2 code, such as DE or US.", q.Label))
			return a, false
		}
		v = code
	case QuestionSingleChoice:
		if !contains(q.Choices, v) {
			fe.add(field, "invalid_choice", fmt.Sprintf("%q must be one of its choices.", q.Label))
			return a, false
		}
	case QuestionMultiChoice:
		return choicesAnswer(fe, q, field, a, given)
	}
	a.Text = v
	return a, true
}

func textAnswer(fe *fieldErrors, q FormQuestion, field string, a FormAnswer, v string) (FormAnswer, bool) {
	max, multiline := maxTextAnswer, q.Type == QuestionLongText
	if multiline {
		max = maxLongTextAnswer
		v = strings.ReplaceAll(v, "\r\n", "\n")
	}
	switch {
	case !utf8.ValidString(v):
		fe.add(field, "invalid_utf8", fmt.Sprintf("%q is not valid UTF-8.", q.Label))
	case utf8.RuneCountInString(v) > max:
		fe.add(field, "too_long", fmt.Sprintf("%q must be at most %d characters.", q.Label, max))
	case strings.IndexFunc(v, func(r rune) bool { return unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\t')) }) >= 0:
		fe.add(field, "invalid_characters", fmt.Sprintf("%q must not contain control characters.", q.Label))
	default:
		a.Text = v
		return a, true
	}
	return a, false
}

func choicesAnswer(fe *fieldErrors, q FormQuestion, field string, a FormAnswer, given []string) (FormAnswer, bool) {
	chosen := map[string]bool{}
	for _, v := range given {
		if !contains(q.Choices, v) {
			fe.add(field, "invalid_choice", fmt.Sprintf("%q must only hold its choices.", q.Label))
			return a, false
		}
		chosen[v] = true
	}
	for _, c := range q.Choices { // the form's order, each once
		if chosen[c] {
			a.Choices = append(a.Choices, c)
		}
	}
	return a, true
}

func checkboxAnswer(fe *fieldErrors, q FormQuestion, field string, a FormAnswer, given []string) (FormAnswer, bool) {
	switch {
	case len(given) > 1:
		fe.add(field, "too_many_values", fmt.Sprintf("%q takes one answer.", q.Label))
		return a, false
	case len(given) == 0:
	case given[0] == "true" || given[0] == "on":
		a.Checked = true
	case given[0] != "false":
		fe.add(field, "invalid_value", fmt.Sprintf("%q is true or false.", q.Label))
		return a, false
	}
	if q.Required && !a.Checked {
		fe.add(field, "required", fmt.Sprintf("%q must be ticked.", q.Label))
		return a, false
	}
	return a, true
}

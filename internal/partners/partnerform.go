package partners

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// PartnerForm is the tenant's onboarding form: the questions a partner
// created with onboarding "invite" answers before it is approved.
type PartnerForm struct {
	Questions []FormQuestion
	// ReviewRequired keeps a partner that submitted the form pending until
	// the tenant approves or rejects it; otherwise submitting approves it.
	ReviewRequired bool
}

// FormQuestion is one question of the partner form.
type FormQuestion struct {
	// Key names the answer; it is what answers are matched by, so a
	// question's label can change without losing what was answered.
	Key      string
	Label    string
	Help     string
	Type     QuestionType
	Required bool
	// Choices are the options of single_choice and multi_choice questions.
	Choices []string
}

// QuestionType is the kind of answer a question takes.
type QuestionType string

// The question types.
const (
	QuestionText         QuestionType = "text"
	QuestionLongText     QuestionType = "long_text"
	QuestionSingleChoice QuestionType = "single_choice"
	QuestionMultiChoice  QuestionType = "multi_choice"
	QuestionURL          QuestionType = "url"
	QuestionCountry      QuestionType = "country"
	QuestionCheckbox     QuestionType = "checkbox"
)

// QuestionTypes lists the question types, in the order the docs give them.
var QuestionTypes = []QuestionType{QuestionText, QuestionLongText, QuestionSingleChoice, QuestionMultiChoice, QuestionURL, QuestionCountry, QuestionCheckbox}

func (t QuestionType) valid() bool {
	for _, known := range QuestionTypes {
		if t == known {
			return true
		}
	}
	return false
}

func (t QuestionType) hasChoices() bool {
	return t == QuestionSingleChoice || t == QuestionMultiChoice
}

// Limits of the partner form. They keep the settings item, which holds the
// form, well inside DynamoDB's 400 KB.
const (
	MaxFormQuestions   = 50
	MaxQuestionChoices = 50
	maxQuestionLabel   = 200
	maxQuestionHelp    = 500
	maxChoiceLen       = 100
	// MaxFormChars bounds the whole form: labels, help and choices.
	MaxFormChars = 50_000
)

var questionKeyRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,49}$`)

// checkPartnerForm trims the form's text and reports every problem, under
// partner_form.questions[i].
func checkPartnerForm(fe *fieldErrors, f *PartnerForm) {
	if len(f.Questions) > MaxFormQuestions {
		fe.add("partner_form.questions", "too_many", fmt.Sprintf("partner_form.questions may hold at most %d questions.", MaxFormQuestions))
		return
	}
	keys := map[string]bool{}
	total := 0
	for i := range f.Questions {
		q := &f.Questions[i]
		at := fmt.Sprintf("partner_form.questions[%d]", i)
		q.Key, q.Label, q.Help = strings.TrimSpace(q.Key), strings.TrimSpace(q.Label), strings.TrimSpace(q.Help)
		switch {
		case !questionKeyRE.MatchString(q.Key):
			fe.add(at+".key", "invalid_key", "a question's key is 1 to 50 lower-case letters, digits or _, starting with a letter.")
		case keys[q.Key]:
			fe.add(at+".key", "duplicate", "question keys must not repeat "+q.Key+".")
		}
		keys[q.Key] = true
		checkText(fe, at+".label", q.Label, true, maxQuestionLabel)
		checkText(fe, at+".help", q.Help, false, maxQuestionHelp)
		total += utf8.RuneCountInString(q.Label) + utf8.RuneCountInString(q.Help)
		if !q.Type.valid() {
			fe.add(at+".type", "invalid_choice", "type must be one of text, long_text, single_choice, multi_choice, url, country, checkbox.")
			continue
		}
		if !q.Type.hasChoices() {
			if len(q.Choices) > 0 {
				fe.add(at+".choices", "not_allowed", "only single_choice and multi_choice questions have choices.")
			}
			continue
		}
		total += checkChoices(fe, at, q)
	}
	if total > MaxFormChars {
		fe.add("partner_form", "too_large", fmt.Sprintf("the partner form's labels, help and choices must total at most %d characters (it has %d).", MaxFormChars, total))
	}
}

// checkChoices checks a choice question's options and returns their length.
func checkChoices(fe *fieldErrors, at string, q *FormQuestion) int {
	switch {
	case len(q.Choices) == 0:
		fe.add(at+".choices", "required", "a "+string(q.Type)+" question needs at least one choice.")
	case len(q.Choices) > MaxQuestionChoices:
		fe.add(at+".choices", "too_many", fmt.Sprintf("a question may have at most %d choices.", MaxQuestionChoices))
		return 0
	}
	seen := map[string]bool{}
	total := 0
	for j, c := range q.Choices {
		field := fmt.Sprintf("%s.choices[%d]", at, j)
		c = strings.TrimSpace(c)
		q.Choices[j] = c
		checkText(fe, field, c, true, maxChoiceLen)
		if seen[c] {
			fe.add(field, "duplicate", "choices must not repeat "+c+".")
		}
		seen[c] = true
		total += utf8.RuneCountInString(c)
	}
	return total
}

// question returns the form's question of a key.
func (f PartnerForm) question(key string) (FormQuestion, bool) {
	for _, q := range f.Questions {
		if q.Key == key {
			return q, true
		}
	}
	return FormQuestion{}, false
}

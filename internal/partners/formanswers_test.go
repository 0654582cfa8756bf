package partners

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

var testForm = PartnerForm{Questions: []FormQuestion{
	{Key: "website", Label: "Website", Type: QuestionURL, Required: true},
	{Key: "regions", Label: "Regions", Type: QuestionMultiChoice, Choices: []string{"EMEA", "APAC", "Americas"}},
	{Key: "size", Label: "Size", Type: QuestionSingleChoice, Choices: []string{"small", "large"}},
	{Key: "about", Label: "About", Type: QuestionLongText},
	{Key: "name", Label: "Trading name", Type: QuestionText},
	{Key: "hq", Label: "HQ", Type: QuestionCountry},
	{Key: "terms", Label: "Terms", Type: QuestionCheckbox, Required: true},
	{Key: "news", Label: "Newsletter", Type: QuestionCheckbox},
}}

func fieldsOf(err error) map[string]string {
	out := map[string]string{}
	if e, ok := err.(*Error); ok {
		for _, f := range e.Fields {
			out[f.Field] = f.Code
		}
	}
	return out
}

func TestAnswersAreCheckedAgainstTheForm(t *testing.T) {
	ok := FormInput{"website": {"https://acme.example"}, "terms": {"on"}}
	tests := []struct {
		name   string
		in     FormInput
		fields map[string]string
	}{
		{"the least a form takes", ok, map[string]string{}},
		{"nothing", FormInput{}, map[string]string{"answers.website": "required", "answers.terms": "required"}},
		{"blank is missing", FormInput{"website": {"  "}, "terms": {"true"}}, map[string]string{"answers.website": "required"}},
		{"an unticked required box", FormInput{"website": {"https://a.example"}, "terms": {"false"}}, map[string]string{"answers.terms": "required"}},
		{"a box that is neither", FormInput{"website": {"https://a.example"}, "terms": {"yes"}}, map[string]string{"answers.terms": "invalid_value"}},
		{"not a web address", FormInput{"website": {"javascript:alert(1)"}, "terms": {"true"}}, map[string]string{"answers.website": "invalid_url"}},
		{"two answers to one question", FormInput{"website": {"https://a.example", "https://b.example"}, "terms": {"true"}}, map[string]string{"answers.website": "too_many_values"}},
		{"an unknown choice", FormInput{"website": {"https://a.example"}, "terms": {"true"}, "size": {"medium"}, "regions": {"EMEA", "Mars"}},
			map[string]string{"answers.size": "invalid_choice", "answers.regions": "invalid_choice"}},
		{"an unknown country", FormInput{"website": {"https://a.example"}, "terms": {"true"}, "hq": {"XX"}}, map[string]string{"answers.hq": "invalid_country"}},
		{"a question the form does not ask", FormInput{"website": {"https://a.example"}, "terms": {"true"}, "webiste": {"x"}}, map[string]string{"answers.webiste": "unknown_question"}},
		{"text too long", FormInput{"website": {"https://a.example"}, "terms": {"true"}, "name": {strings.Repeat("a", 1001)}}, map[string]string{"answers.name": "too_long"}},
		{"a newline in one-line text", FormInput{"website": {"https://a.example"}, "terms": {"true"}, "name": {"a\nb"}}, map[string]string{"answers.name": "invalid_characters"}},
		{"newlines in long text", FormInput{"website": {"https://a.example"}, "terms": {"true"}, "about": {"a\r\nb\tc"}}, map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := checkAnswers(testForm, tt.in)
			if diff := cmp.Diff(tt.fields, fieldsOf(err)); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
}

// Answers are bounded all together, not only one by one: they travel in
// every event of the partner.
func TestAnswersAreBoundedTogether(t *testing.T) {
	var f PartnerForm
	in := FormInput{}
	for _, k := range []string{"a", "b", "c", "d", "e"} {
		f.Questions = append(f.Questions, FormQuestion{Key: k, Label: k, Type: QuestionLongText})
		in[k] = []string{strings.Repeat("<", maxLongTextAnswer)}
	}
	if _, err := checkAnswers(f, in); fieldsOf(err)["answers"] != "too_large" {
		t.Errorf("25,000 characters of answers: %v, want answers too_large", err)
	}
	delete(in, "e")
	if _, err := checkAnswers(f, in); err != nil {
		t.Errorf("20,000 characters of answers: %v", err)
	}
}

func TestAnswersKeepTheQuestionAsAsked(t *testing.T) {
	got, err := checkAnswers(testForm, FormInput{
		"website": {"https://acme.example"}, "terms": {"true"}, "regions": {"Americas", "EMEA", "EMEA"}, "hq": {" de "}, "about": {"a\r\nb"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []FormAnswer{
		{Key: "website", Label: "Website", Type: QuestionURL, Text: "https://acme.example"},
		{Key: "regions", Label: "Regions", Type: QuestionMultiChoice, Choices: []string{"EMEA", "Americas"}},
		{Key: "about", Label: "About", Type: QuestionLongText, Text: "a\nb"},
		{Key: "hq", Label: "HQ", Type: QuestionCountry, Text: "DE"},
		{Key: "terms", Label: "Terms", Type: QuestionCheckbox, Checked: true},
		{Key: "news", Label: "Newsletter", Type: QuestionCheckbox},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("answers (-want +got):\n%s", diff)
	}
}

func TestTheFormIsCheckedOnSave(t *testing.T) {
	long := strings.Repeat("x", 201)
	tests := []struct {
		name   string
		form   PartnerForm
		fields map[string]string
	}{
		{"a good form", testForm, map[string]string{}},
		{"bad keys", PartnerForm{Questions: []FormQuestion{{Key: "Web site", Label: "a", Type: QuestionText}, {Key: "a", Label: "a", Type: QuestionText}, {Key: "a", Label: "b", Type: QuestionText}}},
			map[string]string{"partner_form.questions[0].key": "invalid_key", "partner_form.questions[2].key": "duplicate"}},
		{"no label, long help, unknown type", PartnerForm{Questions: []FormQuestion{{Key: "a", Type: QuestionText, Help: strings.Repeat("h", 501)}, {Key: "b", Label: long, Type: "date"}}},
			map[string]string{"partner_form.questions[0].label": "required", "partner_form.questions[0].help": "too_long", "partner_form.questions[1].label": "too_long", "partner_form.questions[1].type": "invalid_choice"}},
		{"choices where none belong, and none where they must", PartnerForm{Questions: []FormQuestion{{Key: "a", Label: "a", Type: QuestionURL, Choices: []string{"x"}}, {Key: "b", Label: "b", Type: QuestionSingleChoice}}},
			map[string]string{"partner_form.questions[0].choices": "not_allowed", "partner_form.questions[1].choices": "required"}},
		{"repeated and blank choices", PartnerForm{Questions: []FormQuestion{{Key: "a", Label: "a", Type: QuestionMultiChoice, Choices: []string{"x", " x", ""}}}},
			map[string]string{"partner_form.questions[0].choices[1]": "duplicate", "partner_form.questions[0].choices[2]": "required"}},
		{"too many questions", PartnerForm{Questions: make([]FormQuestion, MaxFormQuestions+1)}, map[string]string{"partner_form.questions": "too_many"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var fe fieldErrors
			f := tt.form
			f.Questions = append([]FormQuestion(nil), f.Questions...)
			checkPartnerForm(&fe, &f)
			if diff := cmp.Diff(tt.fields, fieldsOf(fe.err())); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
}

// The largest form the limits allow stays well inside the settings item.
func TestTheLargestFormIsBounded(t *testing.T) {
	var f PartnerForm
	for i := 0; i < MaxFormQuestions; i++ {
		q := FormQuestion{Key: "q" + strings.Repeat("a", 40) + string(rune('a'+i%26)) + string(rune('a'+i/26)), Label: strings.Repeat("l", maxQuestionLabel), Type: QuestionMultiChoice}
		for j := 0; j < MaxQuestionChoices; j++ {
			q.Choices = append(q.Choices, strings.Repeat("c", maxChoiceLen-3)+string(rune('a'+j%26))+string(rune('a'+j/26))+"z")
		}
		f.Questions = append(f.Questions, q)
	}
	var fe fieldErrors
	checkPartnerForm(&fe, &f)
	if fields := fieldsOf(fe.err()); fields["partner_form"] != "too_large" {
		t.Errorf("a form of %d questions of %d long choices is not refused as too large: %v", MaxFormQuestions, MaxQuestionChoices, fields)
	}
}

func FuzzCheckAnswers(f *testing.F) {
	f.Add("website", "https://acme.example", "regions", "EMEA")
	f.Add("terms", "on", "hq", "de")
	f.Add("about", "a\r\nb", "x\x00", "\xff")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		answers, err := checkAnswers(testForm, FormInput{k1: {v1}, k2: {v2}})
		if err != nil {
			for field := range fieldsOf(err) {
				if !utf8.ValidString(field) || len(field) > 70 {
					t.Fatalf("an error names a field %q", field)
				}
			}
			return
		}
		for _, a := range answers {
			if _, ok := testForm.question(a.Key); !ok {
				t.Fatalf("an answer to no question: %+v", a)
			}
			if !utf8.ValidString(a.Text) {
				t.Fatalf("an answer is not UTF-8: %q", a.Text)
			}
		}
	})
}

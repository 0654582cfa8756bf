package apigw

import "testing"

func TestNullForValueNamesTheFieldThatCannotBeNull(t *testing.T) {
	type options struct {
		Role     string  `json:"role"`
		Template *string `json:"template"`
	}
	type request struct {
		Emails []string `json:"emails"`
		Count  int      `json:"count,omitempty"`
		options
	}
	for _, tc := range []struct {
		body string
		want string
	}{
		{`{"role":"admin","template":null}`, ""},
		{`{"template":null,"emails":null}`, ""},
		{`{"role":null}`, "role"},
		{`{"count":null}`, "count"},
		{`{"role":"null"}`, ""},
		{`{}`, ""},
	} {
		if got := nullForValue([]byte(tc.body), &request{}); got != tc.want {
			t.Errorf("nullForValue(%s) = %q, want %q", tc.body, got, tc.want)
		}
	}
}

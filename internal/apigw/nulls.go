package apigw

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// nullForValue finds a top-level member of a JSON object body that is
// null where the request type has a plain value (a string, number, boolean
// or object, not a pointer): encoding/json decodes that null as "absent",
// so `{"role": null}` would quietly mean the default. The contract says
// those fields are not nullable, and a caller who sends null meant
// something; refusing it names the field. It returns "" when there is none.
func nullForValue(body []byte, v any) string {
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return ""
	}
	members := nullMembers(body)
	if len(members) == 0 {
		return ""
	}
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() || f.Anonymous {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		if !members[name] {
			continue
		}
		switch f.Type.Kind() {
		case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice:
			continue // null is a value the handler tells apart
		}
		return name
	}
	return ""
}

// sentNull says whether a JSON object body has the member name, null.
func sentNull(body []byte, name string) bool { return nullMembers(body)[name] }

// nullMembers are the top-level members of a JSON object body that are
// null. Most bodies have none, and the word "null" nowhere: those are not
// parsed a second time.
func nullMembers(body []byte) map[string]bool {
	if !bytes.Contains(body, []byte("null")) {
		return nil
	}
	var members map[string]json.RawMessage
	if json.Unmarshal(body, &members) != nil {
		return nil
	}
	nulls := map[string]bool{}
	for name, raw := range members {
		if string(raw) == "null" {
			nulls[name] = true
		}
	}
	return nulls
}

// refuseNull is the error of a null where a value belongs.
func refuseNull(field string) error {
	return partners.InvalidField(field, "wrong_type", field+" may not be null.")
}

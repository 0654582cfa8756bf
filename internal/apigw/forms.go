package apigw

import (
	"encoding/base64"
	"mime"
	"net/url"

	"github.com/aws/aws-lambda-go/events"
)

// formOf decodes a page's form body; an unreadable or oversized one, or one
// that is not a form post (application/x-www-form-urlencoded, what every
// page's form sends), is empty: the page then asks for what is missing.
func formOf(e events.APIGatewayV2HTTPRequest) url.Values {
	if mt, _, err := mime.ParseMediaType(headerOf(e, "Content-Type")); err != nil || mt != "application/x-www-form-urlencoded" {
		return url.Values{}
	}
	body := []byte(e.Body)
	if e.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(e.Body); err != nil {
			return url.Values{}
		}
	}
	form, err := url.ParseQuery(string(body))
	if err != nil || len(body) > maxJSONBody {
		return url.Values{}
	}
	return form
}

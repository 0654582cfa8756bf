package apigw

import (
	"encoding/base64"
	"net/url"

	"github.com/aws/aws-lambda-go/events"
)

// formOf decodes a page's form body; an unreadable or oversized one is empty.
func formOf(e events.APIGatewayV2HTTPRequest) url.Values {
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

package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/partnerinvites/partnerinvites/internal/apigw"
)

// helloName is the yardstick's name in the table and its environment.
const helloName = "hello-world"

// firstEvent is the event of a function's first invocation: one its
// handler answers without calling AWS (the stub counts any call), so that
// the first response is init plus the handler's own cold path (its
// logger, decoding, problem+json or page rendering, clients it builds on
// first use) and no network:
//   - a tenant route: the request API Gateway forwards when the authorizer
//     refused the key (401 problem+json);
//   - a public activation route: a link that cannot be ours (404 page);
//   - the authorizer: a bearer token without our keys' prefix (refused
//     before any lookup);
//   - a stream consumer: an empty batch (the email sender still builds its
//     SES client, on first use).
func firstEvent(function string) ([]byte, error) {
	switch function {
	case helloName:
		return []byte(`{}`), nil
	case apigw.AuthorizerFunction:
		return json.Marshal(events.APIGatewayV2CustomAuthorizerV2Request{
			Version: "2.0", Type: "REQUEST", RouteKey: "GET /v1/partners", RawPath: "/v1/partners",
			RouteArn:       "arn:aws:execute-api:" + region + ":" + account + ":abcdef1234/$default/GET/v1/partners",
			IdentitySource: []string{"Bearer not-a-key-of-ours"},
			Headers:        map[string]string{"authorization": "Bearer not-a-key-of-ours", "user-agent": "cold-start-benchmark"},
			RequestContext: httpContext("GET", "/v1/partners"),
		})
	case apigw.SendInvitationEmailFunction, apigw.ProcessImportFunction, apigw.PublishEventsFunction:
		return json.Marshal(events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{}})
	case apigw.RecordEmailEventFunction:
		// An SES event of a type it does not act on: parsed, logged, acknowledged.
		return []byte(`{"source":"aws.ses","detail-type":"Email Sent","detail":{"eventType":"Send","mail":{"messageId":"cold-start","tags":{}}}}`), nil
	case apigw.IssueTokenClaimsFunction:
		// A token event that names no pool: refused before any read (the
		// handler's error is Cognito's "no tokens").
		return []byte(`{"version":"1","triggerSource":"TokenGeneration_Authentication","region":"` + region + `","userPoolId":"","userName":"","request":{"userAttributes":{}},"response":{}}`), nil
	case apigw.ExpireInvitationsFunction, apigw.DeliverWebhooksFunction:
		// What EventBridge Scheduler sends; the sweep ignores it.
		return []byte(`{"source":"aws.scheduler","detail-type":"Scheduled Event","detail":{}}`), nil
	}
	for _, r := range apigw.Routes {
		if r.Function == function {
			return json.Marshal(httpRequest(r))
		}
	}
	return nil, fmt.Errorf("%s: no route or trigger, so no first event", function)
}

var pathParam = regexp.MustCompile(`\{([^}]+)\}`)

// httpRequest is a payload 2.0 request of the route, every path
// parameter "x": too short to be an id or an activation token of ours.
func httpRequest(r apigw.Route) events.APIGatewayV2HTTPRequest {
	path := pathParam.ReplaceAllString(r.Path, "x")
	params := map[string]string{}
	for _, m := range pathParam.FindAllStringSubmatch(r.Path, -1) {
		params[m[1]] = "x"
	}
	e := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: r.Key(), RawPath: path, PathParameters: params,
		Headers:        map[string]string{"user-agent": "cold-start-benchmark", "accept": "*/*"},
		RequestContext: httpContext(r.Method, path),
	}
	switch {
	case r.Auth == apigw.AuthAPIKey:
		// What the authorizer puts in the context of a refused key.
		e.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			Lambda: map[string]any{"auth_error": "This API key is not valid."},
		}
	case r.Method == http.MethodPost && r.Function == "accept-activation":
		e.Headers["content-type"] = "application/x-www-form-urlencoded"
		e.Body = "csrf=x&password=correct+horse+battery&password_confirm=correct+horse+battery"
	case r.Method == http.MethodPost:
		e.Headers["content-type"] = "application/json"
		e.Body = `{"token":"x","password":"correct horse battery"}`
	}
	return e
}

func httpContext(method, path string) events.APIGatewayV2HTTPRequestContext {
	now := time.Now()
	return events.APIGatewayV2HTTPRequestContext{
		AccountID: account, APIID: "abcdef1234", DomainName: "abcdef1234.execute-api." + region + ".amazonaws.com",
		DomainPrefix: "abcdef1234", Stage: "$default", RequestID: "cold-start-benchmark",
		Time: now.UTC().Format("02/Jan/2006:15:04:05 -0700"), TimeEpoch: now.UnixMilli(),
		HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
			Method: method, Path: path, Protocol: "HTTP/1.1", SourceIP: "192.0.2.1", UserAgent: "cold-start-benchmark",
		},
	}
}

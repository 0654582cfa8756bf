// Package localgw plays API Gateway (HTTP API, payload 2.0) on a developer's
// machine: it matches a request against the route table, runs the Lambda
// authorizer, builds the exact event API Gateway would send, and invokes the
// same handler the Lambda runs — through aws-lambda-go's own handler
// adapter, with a JSON round trip, as the Lambda runtime does.
package localgw

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/partnerinvites/partnerinvites/internal/apigw"
)

// Fixed values of the emulated API, as they appear in events.
const (
	AccountID = "123456789012"
	APIID     = "local"
	Stage     = "$default"
)

// maxPayload is API Gateway's request size limit.
const maxPayload = 10 << 20

// Gateway serves HTTP by invoking Lambda handlers.
type Gateway struct {
	routes     []apigw.Route
	handlers   map[string]lambda.Handler
	authorizer lambda.Handler
	log        *slog.Logger
	// authCache holds the authorizer's answers by Authorization header for
	// apigw.AuthorizerCacheTTL, as API Gateway's authorizer cache does.
	authMu    sync.Mutex
	authCache map[string]cachedAuth
	// lambda answers Lambda's Invoke API (ServeLambda); nil until then.
	lambda *invoker
	// Now and RequestID are replaced by tests that compare events.
	Now       func() time.Time
	RequestID func() string
}

type cachedAuth struct {
	authorized bool
	context    map[string]any
	until      time.Time
}

// New returns a gateway for the routes; handlers maps function names to
// Lambda handler functions (anything lambda.NewHandler accepts).
func New(routes []apigw.Route, handlers map[string]any, log *slog.Logger) (*Gateway, error) {
	g := &Gateway{routes: routes, handlers: map[string]lambda.Handler{}, log: log, Now: time.Now, RequestID: newRequestID, authCache: map[string]cachedAuth{}}
	for _, r := range routes {
		h, ok := handlers[r.Function]
		if !ok {
			return nil, fmt.Errorf("route %s: no handler for function %s", r.Key(), r.Function)
		}
		g.handlers[r.Function] = lambda.NewHandler(h)
	}
	auth, ok := handlers[apigw.AuthorizerFunction]
	if !ok {
		return nil, fmt.Errorf("no handler for the authorizer function %s", apigw.AuthorizerFunction)
	}
	g.authorizer = lambda.NewHandler(auth)
	return g, nil
}

func newRequestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// match finds the route for a method and path, with its path parameters.
// As in API Gateway, the most specific route wins: /v1/invitations/sample.csv
// over /v1/invitations/{id}.
func (g *Gateway) match(method, path string) (apigw.Route, map[string]string, bool) {
	var best apigw.Route
	var bestParams map[string]string
	found := false
	for _, r := range g.routes {
		if r.Method != method {
			continue
		}
		if params, ok := matchPath(r.Path, path); ok && (!found || len(params) < len(bestParams)) {
			best, bestParams, found = r, params, true
		}
	}
	return best, bestParams, found
}

func matchPath(pattern, path string) (map[string]string, bool) {
	want := strings.Split(strings.Trim(pattern, "/"), "/")
	got := strings.Split(strings.Trim(path, "/"), "/")
	if len(want) != len(got) {
		return nil, false
	}
	params := map[string]string{}
	for i, w := range want {
		if strings.HasPrefix(w, "{") && strings.HasSuffix(w, "}") {
			if got[i] == "" {
				return nil, false
			}
			v, err := url.PathUnescape(got[i])
			if err != nil {
				return nil, false
			}
			params[strings.Trim(w, "{}")] = v
			continue
		}
		if w != got[i] {
			return nil, false
		}
	}
	if len(params) == 0 {
		params = nil
	}
	return params, true
}

// gatewayError answers as API Gateway itself does, before any function runs.
func gatewayError(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, "{\"message\":%q}", message)
}

// ServeHTTP implements http.Handler.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if g.lambda != nil && strings.HasPrefix(req.URL.Path, invocationsPrefix) {
		g.lambda.serve(w, req)
		return
	}
	route, params, ok := g.match(req.Method, req.URL.Path)
	if !ok {
		gatewayError(w, http.StatusNotFound, "Not Found")
		return
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, maxPayload+1))
	if err != nil {
		gatewayError(w, http.StatusBadRequest, "Bad Request")
		return
	}
	if len(body) > maxPayload {
		gatewayError(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
		return
	}
	event := g.Event(req, route, params, body)
	ctx := lambdacontext.NewContext(req.Context(), &lambdacontext.LambdaContext{AwsRequestID: newRequestID()})

	if route.Auth == apigw.AuthAPIKey {
		// API Gateway refuses a request without the identity source itself.
		if event.Headers["authorization"] == "" {
			gatewayError(w, http.StatusUnauthorized, "Unauthorized")
			return
		}
		authorized, authCtx, err := g.authorize(ctx, event)
		switch {
		case err != nil:
			g.log.Error("local gateway: authorizer failed", "err", err)
			gatewayError(w, http.StatusInternalServerError, "Internal Server Error")
			return
		case !authorized:
			gatewayError(w, http.StatusForbidden, "Forbidden")
			return
		}
		event.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: authCtx}
	}

	resp, err := g.invoke(ctx, route.Function, event)
	if err != nil {
		g.log.Error("local gateway: function failed", "function", route.Function, "err", err)
		gatewayError(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	writeResponse(w, resp)
}

func (g *Gateway) authorize(ctx context.Context, e events.APIGatewayV2HTTPRequest) (bool, map[string]any, error) {
	identity := e.Headers["authorization"]
	g.authMu.Lock()
	cached, ok := g.authCache[identity]
	g.authMu.Unlock()
	if ok && time.Now().Before(cached.until) {
		return cached.authorized, cached.context, nil
	}
	authorized, authCtx, err := g.callAuthorizer(ctx, e)
	if err == nil && apigw.AuthorizerCacheTTL > 0 {
		g.authMu.Lock()
		g.authCache[identity] = cachedAuth{authorized: authorized, context: authCtx, until: time.Now().Add(apigw.AuthorizerCacheTTL)}
		g.authMu.Unlock()
	}
	return authorized, authCtx, err
}

func (g *Gateway) callAuthorizer(ctx context.Context, e events.APIGatewayV2HTTPRequest) (bool, map[string]any, error) {
	req := events.APIGatewayV2CustomAuthorizerV2Request{
		Version: "2.0", Type: "REQUEST",
		RouteArn:       fmt.Sprintf("arn:aws:execute-api:us-east-1:%s:%s/%s/%s%s", AccountID, APIID, Stage, e.RequestContext.HTTP.Method, e.RawPath),
		IdentitySource: []string{e.Headers["authorization"]},
		RouteKey:       e.RouteKey, RawPath: e.RawPath, RawQueryString: e.RawQueryString,
		Cookies: e.Cookies, Headers: e.Headers, QueryStringParameters: e.QueryStringParameters,
		RequestContext: e.RequestContext, PathParameters: e.PathParameters,
	}
	payload, err := json.Marshal(req)
	if err != nil {
		return false, nil, fmt.Errorf("encode authorizer event: %w", err)
	}
	out, err := g.authorizer.Invoke(WithFunction(ctx, apigw.AuthorizerFunction), payload)
	if err != nil {
		return false, nil, err
	}
	var resp events.APIGatewayV2CustomAuthorizerSimpleResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		return false, nil, fmt.Errorf("decode authorizer response: %w", err)
	}
	return resp.IsAuthorized, resp.Context, nil
}

// Invoke runs one function on a JSON event, as the Lambda runtime would.
func (g *Gateway) invoke(ctx context.Context, function string, event events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	payload, err := json.Marshal(event)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, fmt.Errorf("encode event: %w", err)
	}
	out, err := g.handlers[function].Invoke(WithFunction(ctx, function), payload)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		return events.APIGatewayV2HTTPResponse{}, fmt.Errorf("decode response: %w", err)
	}
	return resp, nil
}

// Event builds the payload 2.0 event that API Gateway sends for req.
func (g *Gateway) Event(req *http.Request, route apigw.Route, params map[string]string, body []byte) events.APIGatewayV2HTTPRequest {
	now := g.Now().UTC()
	headers := map[string]string{}
	var cookies []string
	for name, values := range req.Header {
		lower := strings.ToLower(name)
		if lower == "cookie" {
			for _, v := range values {
				for _, c := range strings.Split(v, ";") {
					if c = strings.TrimSpace(c); c != "" {
						cookies = append(cookies, c)
					}
				}
			}
			continue
		}
		headers[lower] = strings.Join(values, ",")
	}
	if req.Host != "" {
		headers["host"] = req.Host
	}
	if _, ok := headers["content-length"]; !ok && req.ContentLength > 0 {
		headers["content-length"] = fmt.Sprint(req.ContentLength)
	}
	headers["x-forwarded-proto"] = "http"
	sourceIP, _, _ := net.SplitHostPort(req.RemoteAddr)
	if sourceIP == "" {
		sourceIP = "127.0.0.1"
	}
	headers["x-forwarded-for"] = sourceIP
	if _, port, err := net.SplitHostPort(req.Host); err == nil {
		headers["x-forwarded-port"] = port
	}

	var query map[string]string
	if values := req.URL.Query(); len(values) > 0 {
		query = map[string]string{}
		keys := make([]string, 0, len(values))
		for k := range values {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			query[k] = strings.Join(values[k], ",")
		}
	}
	domain := req.Host
	if h, _, err := net.SplitHostPort(req.Host); err == nil {
		domain = h
	}
	prefix, _, _ := strings.Cut(domain, ".")

	e := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: route.Key(),
		RawPath: req.URL.EscapedPath(), RawQueryString: req.URL.RawQuery,
		Cookies: cookies, Headers: headers, QueryStringParameters: query, PathParameters: params,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey: route.Key(), AccountID: AccountID, Stage: Stage, RequestID: g.RequestID(),
			APIID: APIID, DomainName: domain, DomainPrefix: prefix,
			Time: now.Format("02/Jan/2006:15:04:05 -0700"), TimeEpoch: now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: req.Method, Path: req.URL.Path, Protocol: req.Proto,
				SourceIP: sourceIP, UserAgent: req.UserAgent(),
			},
		},
	}
	if len(body) > 0 {
		if isText(req.Header.Get("Content-Type")) {
			e.Body = string(body)
		} else {
			e.Body, e.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		}
	}
	return e
}

// isText says whether API Gateway passes a body as text: it base64-encodes
// anything that is not text or JSON (and every body without a content type).
func isText(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return strings.HasPrefix(mt, "text/") || mt == "application/json" || strings.HasSuffix(mt, "+json") ||
		mt == "application/xml" || mt == "application/x-www-form-urlencoded" || mt == "application/javascript"
}

func writeResponse(w http.ResponseWriter, resp events.APIGatewayV2HTTPResponse) {
	for k, v := range resp.Headers {
		w.Header().Set(k, v)
	}
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	for _, c := range resp.Cookies {
		w.Header().Add("Set-Cookie", c)
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		if decoded, err := base64.StdEncoding.DecodeString(resp.Body); err == nil {
			body = decoded
		}
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	status := resp.StatusCode
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// WithFunction gives ctx the Lambda context a function's invocation has in
// AWS, with the function's ARN: what code (and tests) can tell which
// function is running by.
func WithFunction(ctx context.Context, function string) context.Context {
	lc := lambdacontext.LambdaContext{}
	if old, ok := lambdacontext.FromContext(ctx); ok {
		lc = *old
	}
	lc.InvokedFunctionArn = "arn:aws:lambda:local:000000000000:function:" + function
	return lambdacontext.NewContext(ctx, &lc)
}

// FunctionOf returns the name of the function whose invocation ctx is, or "".
func FunctionOf(ctx context.Context) string {
	lc, ok := lambdacontext.FromContext(ctx)
	if !ok {
		return ""
	}
	_, name, _ := strings.Cut(lc.InvokedFunctionArn, ":function:")
	return name
}

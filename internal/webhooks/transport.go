package webhooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// Limits of one attempt.
const (
	// Timeout bounds an attempt, from dialling to the end of the answer.
	Timeout = 10 * time.Second
	// maxAnswer is how much of an answer's body is read (and thrown away).
	maxAnswer = 64 << 10
	userAgent = "PartnerInvites-Webhooks/1"
)

// Transport sends signed attempts over HTTPS, to allowed addresses only.
type Transport struct {
	Policy Policy
	client *http.Client
}

// NewTransport returns the transport of a policy: no proxy (the socket's
// address is the receiver's, which the dialer checks), no redirects
// followed, no connection reuse across endpoints' hosts beyond the
// standard pool, and Timeout on everything.
func NewTransport(p Policy) *Transport {
	dialer := &net.Dialer{Timeout: 5 * time.Second, Control: p.control}
	rt := &http.Transport{
		Proxy: nil, DialContext: dialer.DialContext, ForceAttemptHTTP2: true,
		TLSHandshakeTimeout: 5 * time.Second, ResponseHeaderTimeout: Timeout,
		MaxIdleConns: 64, MaxIdleConnsPerHost: 2, IdleConnTimeout: 30 * time.Second,
	}
	return &Transport{Policy: p, client: &http.Client{
		Transport: rt, Timeout: Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Signature is the webhook-signature header for an attempt: one
// "v1,<base64 HMAC-SHA256>" per key, space separated, over
// "{id}.{timestamp}.{body}".
func Signature(id string, at time.Time, body []byte, keys [][]byte) (string, error) {
	sigs := make([]string, 0, len(keys))
	for _, k := range keys {
		wh, err := standardwebhooks.NewWebhookRaw(k)
		if err != nil {
			return "", err
		}
		sig, err := wh.Sign(id, at, body)
		if err != nil {
			return "", err
		}
		sigs = append(sigs, sig)
	}
	return strings.Join(sigs, " "), nil
}

// Send makes one attempt: 2xx is success; any other answer, a redirect, a
// refused address or a timeout is a failure.
func (t *Transport) Send(ctx context.Context, r partners.WebhookRequest) partners.WebhookResponse {
	u, err := url.Parse(r.URL)
	if err != nil || !(u.Scheme == "https" || (u.Scheme == "http" && t.Policy.AllowLoopback)) {
		return partners.WebhookResponse{Err: errors.New("url not allowed")}
	}
	sig, err := Signature(r.ID, r.Timestamp, r.Body, r.Keys)
	if err != nil {
		return partners.WebhookResponse{Err: fmt.Errorf("sign: %w", err)}
	}
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL, bytes.NewReader(r.Body))
	if err != nil {
		return partners.WebhookResponse{Err: errors.New("url not allowed")}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set(standardwebhooks.HeaderWebhookID, r.ID)
	req.Header.Set(standardwebhooks.HeaderWebhookTimestamp, strconv.FormatInt(r.Timestamp.Unix(), 10))
	req.Header.Set(standardwebhooks.HeaderWebhookSignature, sig)
	resp, err := t.client.Do(req)
	if err != nil {
		return partners.WebhookResponse{Err: describe(err)}
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswer))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return partners.WebhookResponse{StatusCode: resp.StatusCode, Err: fmt.Errorf("answered %d", resp.StatusCode)}
	}
	return partners.WebhookResponse{StatusCode: resp.StatusCode}
}

// describe names a failed request without its URL (which can carry a
// tenant's token in its query).
func describe(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	switch {
	case errors.Is(err, errRefusedAddress):
		return errors.New("refused: the host resolved to an address that is not public")
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return fmt.Errorf("timed out after %s", Timeout)
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return fmt.Errorf("connection failed: %s", oe.Op)
	}
	return errors.New("request failed")
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

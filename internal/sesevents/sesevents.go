// Package sesevents is the adapter of SES's event publishing: the
// configuration set sends each message's events (delivery, bounce,
// complaint, reject) to the account's default EventBridge bus, a rule
// invokes record-email-event with them, and this package parses them into
// the domain's reports and hands them to partners.EmailReports.
//
// The parser is tolerant: it reads the EventBridge envelope whose detail
// is the SES event, or the bare SES event (as `partnerctl invoke` or an
// SNS destination would give it); eventType or notificationType; tags as
// lists of strings (SES's form) or as strings. What it cannot use is a
// typed error, logged and acknowledged by the handler: retrying a
// malformed event can never make it right.
package sesevents

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// The tags our sends put on every message (partners.Deliverer).
const (
	TagTenantID     = "tenant_id"
	TagInvitationID = "invitation_id"
)

// MaxEventSize bounds what the parser reads: EventBridge's own limit on an
// event is 256 KiB.
const MaxEventSize = 256 << 10

// ErrMalformed: the payload is not an SES event this parser can read (not
// JSON, not an object, missing or ill-typed fields). It never gets better
// with a retry.
var ErrMalformed = errors.New("malformed SES event")

// ErrUnsupported: a well-formed SES event of a type record-email-event does
// not act on (Send, Open, Click, DeliveryDelay, …).
var ErrUnsupported = errors.New("unsupported SES event type")

// ErrUntagged: an SES event about a message without our tags (not sent by
// the invitation sender).
var ErrUntagged = errors.New("SES event without the invitation's tags")

// ParseError says why a payload could not be used, and where.
type ParseError struct {
	// Kind is ErrMalformed, ErrUnsupported or ErrUntagged.
	Kind error
	// Field is the JSON field at fault, if one is.
	Field string
	// Detail says what was wrong.
	Detail string
}

func (e *ParseError) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s: %s", e.Kind, e.Field, e.Detail)
	}
	return fmt.Sprintf("%s: %s", e.Kind, e.Detail)
}

// Unwrap makes errors.Is(err, ErrMalformed) and the others work.
func (e *ParseError) Unwrap() error { return e.Kind }

func malformed(field, format string, args ...any) error {
	return &ParseError{Kind: ErrMalformed, Field: field, Detail: fmt.Sprintf(format, args...)}
}

// The parts of an SES event that matter here
// (https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html).
type sesEvent struct {
	EventType        string          `json:"eventType"`
	NotificationType string          `json:"notificationType"`
	Mail             *sesMail        `json:"mail"`
	Bounce           *sesBounce      `json:"bounce"`
	Complaint        *sesComplaint   `json:"complaint"`
	Delivery         *sesTimestamped `json:"delivery"`
	Reject           json.RawMessage `json:"reject"`
}

type sesMail struct {
	MessageID string                     `json:"messageId"`
	Timestamp string                     `json:"timestamp"`
	Tags      map[string]json.RawMessage `json:"tags"`
}

type sesBounce struct {
	BounceType    string `json:"bounceType"`
	BounceSubType string `json:"bounceSubType"`
	Timestamp     string `json:"timestamp"`
}

type sesComplaint struct {
	FeedbackType string `json:"complaintFeedbackType"`
	Timestamp    string `json:"timestamp"`
}

type sesTimestamped struct {
	Timestamp string `json:"timestamp"`
}

// envelope is EventBridge's: the SES event is its detail.
type envelope struct {
	Source     string          `json:"source"`
	DetailType string          `json:"detail-type"`
	Detail     json.RawMessage `json:"detail"`
}

// Parse reads one payload into a report.
func Parse(payload []byte) (partners.EmailReport, error) {
	if len(payload) > MaxEventSize {
		return partners.EmailReport{}, malformed("", "%d bytes, more than %d", len(payload), MaxEventSize)
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(payload, &probe); err != nil || probe == nil {
		return partners.EmailReport{}, malformed("", "not a JSON object")
	}
	body := payload
	if _, ok := probe["detail"]; ok {
		var env envelope
		if err := json.Unmarshal(payload, &env); err != nil {
			return partners.EmailReport{}, malformed("", "the EventBridge envelope: %v", err)
		}
		if env.Source != "" && env.Source != "aws.ses" {
			return partners.EmailReport{}, malformed("source", "%q, not aws.ses", clip(env.Source))
		}
		body = env.Detail
	}
	var ev sesEvent
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&ev); err != nil {
		return partners.EmailReport{}, malformed("detail", "%v", err)
	}
	eventType := ev.EventType
	if eventType == "" {
		eventType = ev.NotificationType
	}
	if eventType == "" {
		return partners.EmailReport{}, malformed("eventType", "missing")
	}
	if ev.Mail == nil {
		return partners.EmailReport{}, malformed("mail", "missing")
	}
	rep := partners.EmailReport{MessageID: strings.TrimSpace(ev.Mail.MessageID)}
	if rep.MessageID == "" {
		return partners.EmailReport{}, malformed("mail.messageId", "missing")
	}
	at := ev.Mail.Timestamp
	switch eventType {
	case "Delivery":
		rep.Kind = partners.ReportDelivery
		if ev.Delivery != nil && ev.Delivery.Timestamp != "" {
			at = ev.Delivery.Timestamp
		}
	case "Bounce":
		if ev.Bounce == nil {
			return partners.EmailReport{}, malformed("bounce", "missing")
		}
		rep.Kind = partners.ReportBounce
		rep.BounceSubType = clip(ev.Bounce.BounceSubType)
		switch strings.ToLower(ev.Bounce.BounceType) {
		case "permanent":
			rep.BounceType = partners.BouncePermanent
		case "transient":
			rep.BounceType = partners.BounceTransient
		default: // Undetermined, or a word SES adds later: not final
			rep.BounceType = partners.BounceUndetermined
		}
		if ev.Bounce.Timestamp != "" {
			at = ev.Bounce.Timestamp
		}
	case "Complaint":
		rep.Kind = partners.ReportComplaint
		if ev.Complaint != nil {
			rep.Feedback = clip(ev.Complaint.FeedbackType)
			if ev.Complaint.Timestamp != "" {
				at = ev.Complaint.Timestamp
			}
		}
	case "Reject":
		rep.Kind = partners.ReportReject
	default:
		return partners.EmailReport{}, &ParseError{Kind: ErrUnsupported, Field: "eventType", Detail: clip(eventType)}
	}
	if at != "" {
		t, err := time.Parse(time.RFC3339Nano, at)
		if err != nil {
			return partners.EmailReport{}, malformed("timestamp", "%q is not RFC 3339", clip(at))
		}
		rep.At = t.UTC()
	}
	var err error
	if rep.TenantID, err = tag(ev.Mail.Tags, TagTenantID); err != nil {
		return partners.EmailReport{}, err
	}
	if rep.InvitationID, err = tag(ev.Mail.Tags, TagInvitationID); err != nil {
		return partners.EmailReport{}, err
	}
	return rep, nil
}

// tag reads one of the message's tags: SES gives each as a list of
// strings; a plain string is taken too.
func tag(tags map[string]json.RawMessage, name string) (string, error) {
	raw, ok := tags[name]
	if !ok {
		return "", &ParseError{Kind: ErrUntagged, Field: "mail.tags." + name, Detail: "missing"}
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		var one string
		if err := json.Unmarshal(raw, &one); err != nil {
			return "", malformed("mail.tags."+name, "neither a list of strings nor a string")
		}
		list = []string{one}
	}
	if len(list) != 1 || strings.TrimSpace(list[0]) == "" {
		return "", malformed("mail.tags."+name, "%d values, want one", len(list))
	}
	return strings.TrimSpace(list[0]), nil
}

// clip bounds what of a payload goes into an error or a log line.
func clip(s string) string {
	const max = 64
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}

package sesevents_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/partnerinvites/partnerinvites/internal/partners"
	"github.com/partnerinvites/partnerinvites/internal/sesevents"
)

func sample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "events", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const (
	sampleMessage    = "010201934a1b2c3d-5e6f7a8b-1c2d-4e5f-8a9b-0c1d2e3f4a5b-000000"
	sampleTenant     = "ten_01JD00000000000000SAMPLE00"
	sampleInvitation = "inv_01JD0000000000000000000001"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestParseReadsTheSamples(t *testing.T) {
	base := partners.EmailReport{MessageID: sampleMessage, TenantID: sampleTenant, InvitationID: sampleInvitation}
	with := func(f func(*partners.EmailReport)) partners.EmailReport { r := base; f(&r); return r }
	tests := []struct {
		file string
		want partners.EmailReport
	}{
		{"record-email-event.json", with(func(r *partners.EmailReport) {
			r.Kind, r.BounceType, r.BounceSubType, r.At = partners.ReportBounce, partners.BouncePermanent, "General", at("2026-11-24T10:15:03.921Z")
		})},
		{"ses/bounce-permanent.json", with(func(r *partners.EmailReport) {
			r.Kind, r.BounceType, r.BounceSubType, r.At = partners.ReportBounce, partners.BouncePermanent, "General", at("2026-11-24T10:15:03.921Z")
		})},
		{"ses/bounce-transient.json", with(func(r *partners.EmailReport) {
			r.Kind, r.BounceType, r.BounceSubType, r.At = partners.ReportBounce, partners.BounceTransient, "MailboxFull", at("2026-11-24T10:15:03.921Z")
		})},
		{"ses/delivery.json", with(func(r *partners.EmailReport) {
			r.Kind, r.At = partners.ReportDelivery, at("2026-11-24T10:15:03.412Z")
		})},
		{"ses/complaint.json", with(func(r *partners.EmailReport) {
			r.Kind, r.Feedback, r.At = partners.ReportComplaint, "abuse", at("2026-11-24T11:02:40Z")
		})},
		{"ses/reject.json", with(func(r *partners.EmailReport) {
			r.Kind, r.At = partners.ReportReject, at("2026-11-24T10:15:02.135Z")
		})},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := sesevents.Parse(sample(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// The bare SES event (the envelope's detail) parses the same, and tags
// given as plain strings are read too.
func TestParseToleratesTheBareEventAndStringTags(t *testing.T) {
	var env map[string]json.RawMessage
	if err := json.Unmarshal(sample(t, "ses/delivery.json"), &env); err != nil {
		t.Fatal(err)
	}
	want, err := sesevents.Parse(env["detail"])
	if err != nil {
		t.Fatal(err)
	}
	full, _ := sesevents.Parse(sample(t, "ses/delivery.json"))
	if diff := cmp.Diff(full, want); diff != "" {
		t.Errorf("bare vs enveloped (-enveloped +bare):\n%s", diff)
	}
	bare := `{"notificationType":"Delivery","mail":{"messageId":"m-1","tags":{"tenant_id":"` + sampleTenant + `","invitation_id":["` + sampleInvitation + `"]}}}`
	got, err := sesevents.Parse([]byte(bare))
	if err != nil || got.Kind != partners.ReportDelivery || got.TenantID != sampleTenant || got.InvitationID != sampleInvitation || got.MessageID != "m-1" {
		t.Errorf("got %+v, %v", got, err)
	}
}

func TestParseErrorsAreTyped(t *testing.T) {
	mail := func(tags string) string { return `"mail":{"messageId":"m-1","tags":{` + tags + `}}` }
	ours := `"tenant_id":["` + sampleTenant + `"],"invitation_id":["` + sampleInvitation + `"]`
	tests := []struct {
		name, payload string
		kind          error
		field         string
	}{
		{"not JSON", `{"eventType":`, sesevents.ErrMalformed, ""},
		{"an array", `[]`, sesevents.ErrMalformed, ""},
		{"null", `null`, sesevents.ErrMalformed, ""},
		{"another source", `{"source":"aws.s3","detail":{}}`, sesevents.ErrMalformed, "source"},
		{"detail not an object", `{"source":"aws.ses","detail":"Bounce"}`, sesevents.ErrMalformed, "detail"},
		{"no type", `{` + mail(ours) + `}`, sesevents.ErrMalformed, "eventType"},
		{"no mail", `{"eventType":"Delivery"}`, sesevents.ErrMalformed, "mail"},
		{"no message id", `{"eventType":"Delivery","mail":{"tags":{` + ours + `}}}`, sesevents.ErrMalformed, "mail.messageId"},
		{"bounce without bounce", `{"eventType":"Bounce",` + mail(ours) + `}`, sesevents.ErrMalformed, "bounce"},
		{"bad time", `{"eventType":"Delivery","delivery":{"timestamp":"yesterday"},` + mail(ours) + `}`, sesevents.ErrMalformed, "timestamp"},
		{"an open", `{"eventType":"Open",` + mail(ours) + `}`, sesevents.ErrUnsupported, "eventType"},
		{"a delay", `{"eventType":"DeliveryDelay",` + mail(ours) + `}`, sesevents.ErrUnsupported, "eventType"},
		{"no tags", `{"eventType":"Delivery",` + mail(``) + `}`, sesevents.ErrUntagged, "mail.tags.tenant_id"},
		{"no invitation tag", `{"eventType":"Delivery",` + mail(`"tenant_id":["`+sampleTenant+`"]`) + `}`, sesevents.ErrUntagged, "mail.tags.invitation_id"},
		{"two tenants", `{"eventType":"Delivery",` + mail(`"tenant_id":["a","b"],"invitation_id":["`+sampleInvitation+`"]`) + `}`, sesevents.ErrMalformed, "mail.tags.tenant_id"},
		{"a number tag", `{"eventType":"Delivery",` + mail(`"tenant_id":7,"invitation_id":["`+sampleInvitation+`"]`) + `}`, sesevents.ErrMalformed, "mail.tags.tenant_id"},
		{"too large", `{"x":"` + strings.Repeat("a", sesevents.MaxEventSize) + `"}`, sesevents.ErrMalformed, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sesevents.Parse([]byte(tt.payload))
			var pe *sesevents.ParseError
			if !errors.As(err, &pe) || !errors.Is(err, tt.kind) || pe.Field != tt.field {
				t.Errorf("got %v, want a %v on field %q", err, tt.kind, tt.field)
			}
		})
	}
}

// FuzzParse: any payload gives a report or a *ParseError, never a panic;
// a report always names a message, a kind, a tenant and an invitation.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"record-email-event.json", "ses/bounce-transient.json", "ses/delivery.json", "ses/complaint.json", "ses/reject.json"} {
		f.Add(sample(f, name))
	}
	f.Add([]byte(`{"notificationType":"Bounce","bounce":{"bounceType":"Undetermined"},"mail":{"messageId":"m","tags":{"tenant_id":"t","invitation_id":"i"}}}`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		rep, err := sesevents.Parse(payload)
		if err != nil {
			var pe *sesevents.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("an untyped error %v", err)
			}
			return
		}
		if rep.MessageID == "" || rep.Kind == "" || rep.TenantID == "" || rep.InvitationID == "" {
			t.Fatalf("an incomplete report %+v", rep)
		}
		if rep.Kind == partners.ReportBounce && rep.BounceType == "" {
			t.Fatalf("a bounce without a type %+v", rep)
		}
	})
}

package partners

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/partnerinvites/partnerinvites/internal/emails"
)

// DeliveryStatus is where an invitation's email stands.
type DeliveryStatus string

// The delivery statuses.
const (
	DeliveryQueued  DeliveryStatus = "queued"   // written; the sender will mail it
	DeliverySent    DeliveryStatus = "sent"     // SES accepted it
	DeliveryFailed  DeliveryStatus = "failed"   // SES kept failing; resend to try again
	DeliveryNotSent DeliveryStatus = "not_sent" // send_email was false: the tenant took the link
	// SES's reports after it accepted the message (record-email-event).
	DeliveryDelivered  DeliveryStatus = "delivered"  // the recipient's server took it
	DeliveryBounced    DeliveryStatus = "bounced"    // it came back
	DeliveryComplained DeliveryStatus = "complained" // the recipient marked it as spam
)

// DeliveryReason says why a delivery failed for good.
type DeliveryReason string

// The reasons a delivery fails.
const (
	// ReasonExpiredInQueue: the retry window passed before the email could
	// be sent (the mail service kept failing, or the sender was behind).
	ReasonExpiredInQueue DeliveryReason = "expired_in_queue"
	// ReasonRejected: the mail service refused the message for good.
	ReasonRejected DeliveryReason = "rejected"
	// ReasonMissingData: what the email needs is gone (its sealed link, the
	// partner or the tenant).
	ReasonMissingData DeliveryReason = "missing_data"
	// The tenant's template could not be used for this email; the emails
	// package's Reason* codes (template_too_large, template_no_link, …).
)

// Delivery records the sending of an invitation's latest email.
type Delivery struct {
	Status    DeliveryStatus
	MessageID string
	Attempts  int
	LastError string
	// FailureReason is set when Status is failed.
	FailureReason DeliveryReason
	// NextAttemptAt is when a queued email that failed is tried again.
	NextAttemptAt time.Time
	// Requeues counts the times a failing send was put back in the queue
	// (each one is a new stream record: the email waits behind no one).
	Requeues int
	QueuedAt time.Time
	SentAt   time.Time
	// UpdatedAt is when the delivery last changed: the time of its events.
	UpdatedAt time.Time
	// ReportedAt is when SES last reported on the message (delivered,
	// bounced, complained, rejected), by SES's clock.
	ReportedAt time.Time
	// BounceType and BounceSubType are SES's words for a bounce of the
	// message: permanent (the status is then bounced) or transient.
	BounceType    BounceType
	BounceSubType string
}

// OutgoingEmail is one email to send.
type OutgoingEmail struct {
	From    string
	To      string
	Subject string
	HTML    string
	Text    string
	// Tags label the message for delivery events (tenant, invitation).
	Tags map[string]string
}

// ErrUndeliverable marks a mailer error that retrying cannot fix (a rejected
// message or sender); the delivery fails at once.
var ErrUndeliverable = errors.New("undeliverable")

// Mailer sends email.
type Mailer interface {
	// Send sends the email and returns the provider's message id. An error
	// wrapping ErrUndeliverable is final; any other may be retried.
	Send(ctx context.Context, e OutgoingEmail) (messageID string, err error)
}

// DeliveryStore is what the email sender reads and records.
type DeliveryStore interface {
	GetInvitation(ctx context.Context, tenantID, invitationID string) (Invitation, error)
	GetPartner(ctx context.Context, tenantID, partnerID string) (Partner, error)
	GetTenant(ctx context.Context, id string) (Tenant, error)
	GetSettings(ctx context.Context, tenantID string) (Settings, error)
	GetUser(ctx context.Context, tenantID, partnerID, userID string) (PartnerUser, error)
	// RecordDelivery stores d on the invitation if it is still at sendSeq
	// (ConflictInvitationChanged otherwise); clearSealed removes the sealed token.
	RecordDelivery(ctx context.Context, tenantID, invitationID string, sendSeq int, d Delivery, clearSealed bool) error
}

// Deliverer sends invitation emails: the outbox's consumer. Writing an
// invitation with delivery status queued is what causes its email.
type Deliverer struct {
	Store   DeliveryStore
	Mailer  Mailer
	Tokens  *TokenSealer
	Clock   Clock
	Log     *slog.Logger
	From    string
	BaseURL string // activation links
	// RetryWindow is how long a failing send is retried, from when it was
	// queued, before the invitation's delivery says failed.
	RetryWindow time.Duration
}

// Retries of a failing send: each failed attempt puts the email back in the
// queue (a new stream record, behind everything queued meanwhile) to be
// tried after a back-off of 1, 2, 4, 8, 16, then 20 seconds, until the retry
// window ends. A failing email therefore holds up the emails behind it for
// one attempt and at most maxBackoff of waiting, never for its whole window.
const (
	firstBackoff = time.Second
	maxBackoff   = 20 * time.Second
	// deadlineMargin is kept free before the invocation's deadline: a wait
	// that does not fit is left to the next invocation.
	deadlineMargin = 5 * time.Second
)

func backoff(attempts int) time.Duration {
	d := firstBackoff
	for i := 1; i < attempts && d < maxBackoff; i++ {
		d *= 2
	}
	return min(d, maxBackoff)
}

// ErrNoTimeLeft: the invocation ends before the email's next attempt is
// due; the record is retried by the next invocation.
var ErrNoTimeLeft = errors.New("the invocation ends before the next attempt is due")

// errMissing marks what the email needs and is gone for good.
var errMissing = errors.New("missing")

// Deliver sends the email of one issue (sendSeq) of an invitation, once. It
// returns nil when the record is dealt with — sent, superseded by a newer
// issue, failed for good (recorded with its reason), or put back in the queue
// for a later attempt — and an error only when the caller should hand it the
// same record again (the store did not answer, or ErrNoTimeLeft).
//
// Only what a retry can fix is retried: a mail service that fails or
// throttles, a store that does not answer. A template that cannot render, a
// message the mail service refuses, or data that is gone fail the delivery
// at once.
func (d *Deliverer) Deliver(ctx context.Context, tenantID, invitationID string, sendSeq int) error {
	log := d.Log.With("tenant_id", tenantID, "invitation_id", invitationID, "send_seq", sendSeq)
	inv, err := d.Store.GetInvitation(ctx, tenantID, invitationID)
	if err != nil {
		return fmt.Errorf("get invitation %s: %w", invitationID, err)
	}
	now := d.Clock.Now().UTC()
	switch {
	case inv.SendSeq != sendSeq:
		log.Info("delivery: superseded by a newer issue", "current_send_seq", inv.SendSeq)
		return nil
	case inv.Delivery.Status != DeliveryQueued:
		log.Info("delivery: nothing to send", "delivery_status", inv.Delivery.Status)
		return nil
	case inv.StatusAt(now) != InvitationPending:
		log.Info("delivery: invitation no longer pending", "status", inv.StatusAt(now))
		return d.record(ctx, inv, Delivery{Status: DeliveryNotSent, QueuedAt: inv.Delivery.QueuedAt, Attempts: inv.Delivery.Attempts, LastError: "The invitation was " + string(inv.StatusAt(now)) + " before its email was sent."})
	}
	if wait := inv.Delivery.NextAttemptAt.Sub(now); wait > 0 {
		if err := sleep(ctx, wait); err != nil {
			return err
		}
		now = d.Clock.Now().UTC()
	}
	if now.Sub(inv.Delivery.QueuedAt) >= d.RetryWindow {
		return d.fail(ctx, log, inv, ReasonExpiredInQueue, fmt.Sprintf("The email could not be sent within %s; resend to try again.", d.RetryWindow))
	}
	msg, err := d.compose(ctx, log, inv)
	var re *emails.RenderError
	switch {
	case errors.As(err, &re):
		return d.fail(ctx, log, inv, DeliveryReason(re.Reason), "The tenant's email template cannot be used for this email: "+re.Err.Error()+".")
	case errors.Is(err, errMissing):
		return d.fail(ctx, log, inv, ReasonMissingData, "What the email needs is no longer there; resend to try again.")
	case err != nil:
		log.Warn("delivery: cannot compose yet", "err", err)
		return d.requeue(ctx, log, inv, now, "Reading what the email needs failed; retrying.")
	}
	messageID, sendErr := d.Mailer.Send(ctx, msg)
	attempts := inv.Delivery.Attempts + 1
	switch {
	case sendErr == nil:
		log.Info("delivery: sent", "message_id", messageID, "attempts", attempts)
		return d.record(ctx, inv, Delivery{Status: DeliverySent, MessageID: messageID, Attempts: attempts, QueuedAt: inv.Delivery.QueuedAt, SentAt: now})
	case errors.Is(sendErr, ErrUndeliverable):
		inv.Delivery.Attempts = attempts
		log.Warn("delivery: refused", "err", sendErr)
		return d.fail(ctx, log, inv, ReasonRejected, "The mail service refused the email.")
	}
	log.Warn("delivery: send failed", "err", sendErr, "attempts", attempts)
	return d.requeue(ctx, log, inv, now, "The mail service did not accept the email; retrying.")
}

// requeue counts a failed attempt and puts the email back in the queue, to
// be tried after its back-off: the write is the new stream record.
func (d *Deliverer) requeue(ctx context.Context, log *slog.Logger, inv Invitation, now time.Time, why string) error {
	del := inv.Delivery
	del.Attempts++
	del.LastError, del.NextAttemptAt, del.Requeues = why, now.Add(backoff(del.Attempts)), del.Requeues+1
	if !del.NextAttemptAt.Before(del.QueuedAt.Add(d.RetryWindow)) {
		// The next attempt would come after the window: it ends here.
		inv.Delivery.Attempts = del.Attempts
		return d.fail(ctx, log, inv, ReasonExpiredInQueue, fmt.Sprintf("The mail service kept failing for %s; resend to try again.", d.RetryWindow))
	}
	log.Info("delivery: requeued", "attempts", del.Attempts, "next_attempt_at", del.NextAttemptAt)
	return d.record(ctx, inv, del)
}

// fail records a delivery that failed for good, with its reason. The log
// line is what the stack's alarm on expired_in_queue counts.
func (d *Deliverer) fail(ctx context.Context, log *slog.Logger, inv Invitation, reason DeliveryReason, why string) error {
	log.Warn("delivery: failed", "reason", string(reason), "attempts", inv.Delivery.Attempts)
	return d.record(ctx, inv, Delivery{
		Status: DeliveryFailed, FailureReason: reason, Attempts: inv.Delivery.Attempts, Requeues: inv.Delivery.Requeues,
		QueuedAt: inv.Delivery.QueuedAt, LastError: why,
	})
}

// sleep waits for d, unless the context's deadline comes first.
func sleep(ctx context.Context, d time.Duration) error {
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d+deadlineMargin {
		return ErrNoTimeLeft
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (d *Deliverer) record(ctx context.Context, inv Invitation, del Delivery) error {
	clear := del.Status != DeliveryQueued
	del.UpdatedAt = timestamp(d.Clock)
	err := d.Store.RecordDelivery(ctx, inv.TenantID, inv.ID, inv.SendSeq, del, clear)
	if isConflict(err, ConflictInvitationChanged) {
		return nil // a newer issue took over; its own record will be delivered
	}
	if err != nil {
		return fmt.Errorf("record delivery of %s: %w", inv.ID, err)
	}
	return nil
}

func (d *Deliverer) compose(ctx context.Context, log *slog.Logger, inv Invitation) (OutgoingEmail, error) {
	token, err := d.Tokens.Open(inv)
	if err != nil {
		return OutgoingEmail{}, fmt.Errorf("%w: the sealed link: %w", errMissing, err)
	}
	tenant, err := d.Store.GetTenant(ctx, inv.TenantID)
	if IsKind(err, NotFound) {
		return OutgoingEmail{}, fmt.Errorf("%w: tenant: %w", errMissing, err)
	}
	if err != nil {
		return OutgoingEmail{}, fmt.Errorf("get tenant: %w", err)
	}
	partner, err := d.Store.GetPartner(ctx, inv.TenantID, inv.PartnerID)
	if IsKind(err, NotFound) {
		return OutgoingEmail{}, fmt.Errorf("%w: partner: %w", errMissing, err)
	}
	if err != nil {
		return OutgoingEmail{}, fmt.Errorf("get partner: %w", err)
	}
	settings, err := d.Store.GetSettings(ctx, inv.TenantID)
	if err != nil {
		return OutgoingEmail{}, fmt.Errorf("get settings: %w", err)
	}
	inviter := inv.InviterName
	if inviter == "" {
		inviter = tenant.Name
	}
	data := emails.Data{
		TenantName: tenant.Name, PartnerName: partner.Name, InviterName: inviter,
		Email: inv.Email, Role: inv.Role, Link: ActivationURL(d.BaseURL, token), DeclineLink: ActivationURL(d.BaseURL, token) + "/decline",
		ExpiresIn: emails.Lifetime(inv.ExpiresAt.Sub(inv.UpdatedAt)), ExpiresAt: emails.FormatExpiry(inv.ExpiresAt),
		LogoURL: settings.Branding.LogoURL, AccentColor: settings.Branding.AccentColor,
	}
	if user, err := d.Store.GetUser(ctx, inv.TenantID, inv.PartnerID, inv.UserID); err == nil {
		data.FirstName, data.LastName = user.FirstName, user.LastName
	}
	templates, found := settings.EmailTemplatesFor(inv.Template)
	if !found {
		// Deleted from the settings since the invite: the email still goes,
		// with the default, rather than fail for a choice nobody can fix.
		log.Warn("delivery: template gone, using the default", "template", inv.Template)
	}
	m, err := emails.Render(templates, data)
	if err != nil {
		return OutgoingEmail{}, err
	}
	return OutgoingEmail{
		From: d.From, To: inv.Email, Subject: m.Subject, HTML: m.HTML, Text: m.Text,
		Tags: map[string]string{"tenant_id": inv.TenantID, "invitation_id": inv.ID},
	}, nil
}

package partners

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/partnerinvites/partnerinvites/internal/emails"
)

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
	// (Conflict otherwise); clearSealed removes the sealed token.
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

// Deliver sends the email of one issue (sendSeq) of an invitation, once. It
// returns nil when there is nothing more to do — sent, superseded by a newer
// issue, or failed for good and recorded so — and an error when the caller
// should retry later.
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
	msg, err := d.compose(ctx, inv)
	if err != nil {
		log.Error("delivery: cannot compose", "err", err)
		return d.record(ctx, inv, Delivery{Status: DeliveryFailed, QueuedAt: inv.Delivery.QueuedAt, Attempts: inv.Delivery.Attempts + 1, LastError: "The email could not be composed."})
	}
	messageID, sendErr := d.Mailer.Send(ctx, msg)
	attempts := inv.Delivery.Attempts + 1
	if sendErr == nil {
		log.Info("delivery: sent", "message_id", messageID, "attempts", attempts)
		return d.record(ctx, inv, Delivery{Status: DeliverySent, MessageID: messageID, Attempts: attempts, QueuedAt: inv.Delivery.QueuedAt, SentAt: now})
	}
	failed := Delivery{Status: DeliveryQueued, Attempts: attempts, QueuedAt: inv.Delivery.QueuedAt, LastError: "The mail service did not accept the email; retrying."}
	switch {
	case errors.Is(sendErr, ErrUndeliverable):
		failed.Status, failed.LastError = DeliveryFailed, "The mail service refused the email."
	case now.Sub(inv.Delivery.QueuedAt) >= d.RetryWindow:
		failed.Status, failed.LastError = DeliveryFailed, fmt.Sprintf("The mail service kept failing for %s; resend to try again.", d.RetryWindow)
	}
	log.Warn("delivery: send failed", "err", sendErr, "attempts", attempts, "final", failed.Status == DeliveryFailed)
	if err := d.record(ctx, inv, failed); err != nil {
		return err
	}
	if failed.Status == DeliveryFailed {
		return nil
	}
	return fmt.Errorf("send invitation %s: %w", invitationID, sendErr)
}

func (d *Deliverer) record(ctx context.Context, inv Invitation, del Delivery) error {
	clear := del.Status != DeliveryQueued
	err := d.Store.RecordDelivery(ctx, inv.TenantID, inv.ID, inv.SendSeq, del, clear)
	if IsKind(err, Conflict) {
		return nil // a newer issue took over; its own record will be delivered
	}
	if err != nil {
		return fmt.Errorf("record delivery of %s: %w", inv.ID, err)
	}
	return nil
}

func (d *Deliverer) compose(ctx context.Context, inv Invitation) (OutgoingEmail, error) {
	token, err := d.Tokens.Open(inv)
	if err != nil {
		return OutgoingEmail{}, err
	}
	tenant, err := d.Store.GetTenant(ctx, inv.TenantID)
	if err != nil {
		return OutgoingEmail{}, fmt.Errorf("get tenant: %w", err)
	}
	partner, err := d.Store.GetPartner(ctx, inv.TenantID, inv.PartnerID)
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
		Email: inv.Email, Role: inv.Role, Link: ActivationURL(d.BaseURL, token),
		ExpiresIn: emails.Lifetime(inv.ExpiresAt.Sub(inv.UpdatedAt)), ExpiresAt: emails.FormatExpiry(inv.ExpiresAt),
		LogoURL: settings.Branding.LogoURL, AccentColor: settings.Branding.AccentColor,
	}
	if user, err := d.Store.GetUser(ctx, inv.TenantID, inv.PartnerID, inv.UserID); err == nil {
		data.FirstName, data.LastName = user.FirstName, user.LastName
	}
	m, err := emails.Render(settings.Email, data)
	if err != nil {
		return OutgoingEmail{}, err
	}
	return OutgoingEmail{
		From: d.From, To: inv.Email, Subject: m.Subject, HTML: m.HTML, Text: m.Text,
		Tags: map[string]string{"tenant_id": inv.TenantID, "invitation_id": inv.ID},
	}, nil
}

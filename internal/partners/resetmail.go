package partners

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/partnerinvites/partnerinvites/internal/emails"
)

// ResetMailStore is what the reset email's sender reads and records.
type ResetMailStore interface {
	LoginDirectory
	GetTenant(ctx context.Context, id string) (Tenant, error)
	GetSettings(ctx context.Context, tenantID string) (Settings, error)
	GetPasswordReset(ctx context.Context, tenantID, email string) (PasswordReset, error)
	IssuePasswordResetLink(ctx context.Context, r PasswordReset, t ResetToken) error
	RecordPasswordResetDelivery(ctx context.Context, r PasswordReset) error
}

// ResetMailer sends password reset emails: the outbox's consumer of queued
// reset requests. It decides, off the request path, whether the address has
// an active login at the tenant (only the tenant's own claims, users and
// memberships are read), and mails a fresh single-use link only if it does;
// otherwise it records that nothing was sent. A failing send is retried
// with the invitation emails' back-off, within RetryWindow, then recorded
// failed (and logged): never lost.
type ResetMailer struct {
	Store       ResetMailStore
	Mailer      Mailer
	Clock       Clock
	Log         *slog.Logger
	From        string
	BaseURL     string // reset links
	RetryWindow time.Duration
}

// Deliver handles one queued request (seq) of an address's reset. It
// returns nil when the request is dealt with — sent, nothing to send,
// superseded, failed for good, or requeued — and an error when the caller
// should hand it the same record again. It never logs the address, the
// token or the link.
func (m *ResetMailer) Deliver(ctx context.Context, tenantID, email string, seq int) error {
	log := m.Log.With("tenant_id", tenantID, "reset_seq", seq)
	r, err := m.Store.GetPasswordReset(ctx, tenantID, email)
	if err != nil {
		return fmt.Errorf("get password reset of %s: %w", tenantID, err)
	}
	switch {
	case r.Seq != seq:
		log.Info("password reset: superseded by a newer request", "current_seq", r.Seq)
		return nil
	case r.Status != ResetQueued:
		log.Info("password reset: nothing to send", "status", r.Status)
		return nil
	}
	now := m.Clock.Now().UTC()
	if wait := r.NextAttemptAt.Sub(now); wait > 0 {
		if err := sleep(ctx, wait); err != nil {
			return err
		}
		now = m.Clock.Now().UTC()
	}
	if now.Sub(r.RequestedAt) >= m.RetryWindow {
		return m.fail(ctx, log, r, fmt.Sprintf("The email could not be sent within %s.", m.RetryWindow))
	}
	user, found, err := activeLogin(ctx, m.Store, tenantID, email)
	if err != nil {
		log.Warn("password reset: cannot look the login up yet", "err", err)
		return m.requeue(ctx, log, r, now, "Reading the login failed; retrying.")
	}
	if !found {
		log.Info("password reset: no active login, nothing sent")
		r.Status, r.LastError = ResetNoLogin, ""
		return m.record(ctx, r)
	}
	token := newToken()
	r.TokenHash, r.TokenExpiresAt = HashToken(token), timestamp(m.Clock).Add(PasswordResetLifetime)
	r.PartnerID, r.UserID, r.Sub = user.PartnerID, user.ID, user.Sub
	r.ClaimedAt, r.UsedAt = time.Time{}, time.Time{}
	msg, err := m.compose(ctx, r, user, token)
	var re *emails.RenderError
	switch {
	case errors.As(err, &re), errors.Is(err, errMissing):
		log.Warn("password reset: cannot compose", "err", err)
		return m.fail(ctx, log, r, "The email cannot be composed.")
	case err != nil:
		log.Warn("password reset: cannot compose yet", "err", err)
		return m.requeue(ctx, log, r, now, "Reading what the email needs failed; retrying.")
	}
	// The link works from the moment it is stored, before it is mailed:
	// an email never carries a link that does not work yet.
	err = m.Store.IssuePasswordResetLink(ctx, r, ResetToken{Hash: r.TokenHash, TenantID: tenantID, Email: email, ExpiresAt: r.TokenExpiresAt})
	if isConflict(err, ConflictResetChanged) {
		log.Info("password reset: superseded while composing")
		return nil
	}
	if err != nil {
		return fmt.Errorf("store the reset link of %s: %w", tenantID, err)
	}
	messageID, sendErr := m.Mailer.Send(ctx, msg)
	r.Attempts++
	switch {
	case sendErr == nil:
		log.Info("password reset: sent", "message_id", messageID, "attempts", r.Attempts)
		r.Status, r.MessageID, r.LastError = ResetSent, messageID, ""
		return m.record(ctx, r)
	case errors.Is(sendErr, ErrUndeliverable):
		log.Warn("password reset: refused", "err", sendErr)
		return m.fail(ctx, log, r, "The mail service refused the email.")
	}
	log.Warn("password reset: send failed", "err", sendErr, "attempts", r.Attempts)
	r.Attempts-- // requeue counts it
	return m.requeue(ctx, log, r, now, "The mail service did not accept the email; retrying.")
}

func (m *ResetMailer) compose(ctx context.Context, r PasswordReset, user PartnerUser, token string) (OutgoingEmail, error) {
	tenant, err := m.Store.GetTenant(ctx, r.TenantID)
	if IsKind(err, NotFound) {
		return OutgoingEmail{}, fmt.Errorf("%w: tenant: %w", errMissing, err)
	}
	if err != nil {
		return OutgoingEmail{}, fmt.Errorf("get tenant: %w", err)
	}
	st, err := m.Store.GetSettings(ctx, r.TenantID)
	if err != nil {
		return OutgoingEmail{}, fmt.Errorf("get settings: %w", err)
	}
	link := ResetURL(m.BaseURL, token)
	msg, err := emails.RenderPasswordReset(emails.Data{
		TenantName: tenant.Name, FirstName: user.FirstName, LastName: user.LastName, Email: user.Email,
		Link: link, ExpiresIn: emails.Lifetime(PasswordResetLifetime), ExpiresAt: emails.FormatExpiry(r.TokenExpiresAt),
		LogoURL: st.Branding.LogoURL, AccentColor: st.Branding.AccentColor,
	})
	if err != nil {
		return OutgoingEmail{}, err
	}
	return OutgoingEmail{
		From: m.From, To: user.Email, Subject: msg.Subject, HTML: msg.HTML, Text: msg.Text,
		Tags: map[string]string{"tenant_id": r.TenantID, "kind": "password_reset"},
	}, nil
}

// requeue counts a failed attempt and puts the request back in the queue,
// to be tried after its back-off; past the retry window it fails.
func (m *ResetMailer) requeue(ctx context.Context, log *slog.Logger, r PasswordReset, now time.Time, why string) error {
	r.Attempts++
	r.LastError, r.NextAttemptAt, r.Requeues = why, now.Add(backoff(r.Attempts)), r.Requeues+1
	if !r.NextAttemptAt.Before(r.RequestedAt.Add(m.RetryWindow)) {
		return m.fail(ctx, log, r, fmt.Sprintf("The mail service kept failing for %s.", m.RetryWindow))
	}
	log.Info("password reset: requeued", "attempts", r.Attempts, "next_attempt_at", r.NextAttemptAt)
	return m.record(ctx, r)
}

// fail records a request whose email could not be sent, for good. The log
// line is what an alarm counts; the person may ask again.
func (m *ResetMailer) fail(ctx context.Context, log *slog.Logger, r PasswordReset, why string) error {
	log.Warn("password reset: failed", "attempts", r.Attempts)
	r.Status, r.LastError = ResetFailed, why
	return m.record(ctx, r)
}

func (m *ResetMailer) record(ctx context.Context, r PasswordReset) error {
	r.UpdatedAt = timestamp(m.Clock)
	err := m.Store.RecordPasswordResetDelivery(ctx, r)
	if isConflict(err, ConflictResetChanged) {
		return nil // a newer request took over; its own record will be handled
	}
	if err != nil {
		return fmt.Errorf("record the reset delivery of %s: %w", r.TenantID, err)
	}
	return nil
}

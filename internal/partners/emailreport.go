package partners

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// What SES reports about a message after it accepted it, and what that does
// to the invitation whose email it was (record-email-event).
//
// Precedence of an email's statuses, lowest first:
//
//	sent < delivered < bounced = complained = failed
//
// A report moves the delivery up, never down or sideways: a late delivery
// never overwrites a bounce or a complaint, a bounce after a delivery (the
// recipient's server took the message, then returned it) wins over it, and
// the first final status stays. A report repeated by the bus changes
// nothing the second time, so it emits no second event.

// EmailReportKind is what SES says happened to a message.
type EmailReportKind string

// The kinds of report record-email-event acts on.
const (
	ReportDelivery  EmailReportKind = "delivery"  // the recipient's server took it
	ReportBounce    EmailReportKind = "bounce"    // it came back (BounceType says how)
	ReportComplaint EmailReportKind = "complaint" // the recipient marked it as spam
	ReportReject    EmailReportKind = "reject"    // SES refused to send it (a virus)
)

// BounceType is SES's kind of bounce.
type BounceType string

// The bounce types. Only a permanent bounce is final: a transient one
// (mailbox full, message too large) may still be delivered another time,
// and an undetermined one is treated as transient.
const (
	BouncePermanent    BounceType = "permanent"
	BounceTransient    BounceType = "transient"
	BounceUndetermined BounceType = "undetermined"
)

// EmailReport is one report of SES about one message, as the SES adapter
// parsed it. TenantID and InvitationID come from the message's tags, which
// our own sends set; the report is believed only if the invitation's
// current message is MessageID.
type EmailReport struct {
	Kind         EmailReportKind
	MessageID    string
	TenantID     string
	InvitationID string
	// At is when SES says it happened.
	At time.Time
	// BounceType and BounceSubType (SES's, e.g. General, NoEmail,
	// MailboxFull) describe a bounce.
	BounceType    BounceType
	BounceSubType string
	// Feedback is a complaint's feedback type (abuse, fraud, …), if any.
	Feedback string
}

// EmailReportOutcome says what a report did.
type EmailReportOutcome string

// The outcomes of a report.
const (
	// ReportRecorded: the invitation's delivery changed.
	ReportRecorded EmailReportOutcome = "recorded"
	// ReportNoInvitation: no invitation of that tenant has that id (gone,
	// purged, or the tags do not belong together).
	ReportNoInvitation EmailReportOutcome = "no_invitation"
	// ReportOtherMessage: the invitation's current message is another one
	// (it was resent since, or the report is not about it).
	ReportOtherMessage EmailReportOutcome = "other_message"
	// ReportOutranked: the delivery already stands at this status or above
	// (a late delivery after a bounce, a repeated report).
	ReportOutranked EmailReportOutcome = "outranked"
)

// EmailReportStore is what record-email-event reads and writes.
type EmailReportStore interface {
	// GetInvitation returns an invitation of the tenant (NotFound).
	GetInvitation(ctx context.Context, tenantID, invitationID string) (Invitation, error)
	// GetUser returns a partner user (NotFound).
	GetUser(ctx context.Context, tenantID, partnerID, userID string) (PartnerUser, error)
	// RecordEmailReport stores d as the delivery of inv if inv's delivery
	// is still as it was read (same issue, message and status;
	// ConflictInvitationChanged otherwise) and, when flags is set, the
	// user's address flags in the same write (ConflictUserChanged if the
	// user is gone).
	RecordEmailReport(ctx context.Context, inv Invitation, d Delivery, flags *AddressFlags) error
}

// AddressFlags are what SES said about a partner user's address: set by a
// permanent bounce or a complaint, cleared by a later delivery.
type AddressFlags struct {
	PartnerID, UserID string
	BouncedAt         time.Time
	ComplainedAt      time.Time
}

// EmailReports applies SES's reports to invitations.
type EmailReports struct {
	Store EmailReportStore
	Clock Clock
	Log   *slog.Logger
}

// rank orders the statuses a report may move a delivery between; those
// absent (queued, not_sent) are never the status of a sent message.
var rank = map[DeliveryStatus]int{
	DeliverySent: 1, DeliveryDelivered: 2, DeliveryBounced: 3, DeliveryComplained: 3, DeliveryFailed: 3,
}

// maxReportAttempts bounds the re-reads when the invitation changes between
// the read and the write.
const maxReportAttempts = 4

// Record applies one report. It returns an error only when the store
// failed, for the caller to retry; a report about nothing of ours, or
// outranked, is an outcome.
func (r *EmailReports) Record(ctx context.Context, rep EmailReport) (EmailReportOutcome, error) {
	for attempt := 1; ; attempt++ {
		out, err := r.recordOnce(ctx, rep)
		if isConflict(err, ConflictInvitationChanged, ConflictUserChanged, ConflictConcurrentWrite) && attempt < maxReportAttempts {
			continue
		}
		return out, err
	}
}

func (r *EmailReports) recordOnce(ctx context.Context, rep EmailReport) (EmailReportOutcome, error) {
	if rep.TenantID == "" || !validID(invitationIDPrefix, rep.InvitationID) {
		return ReportNoInvitation, nil
	}
	inv, err := r.Store.GetInvitation(ctx, rep.TenantID, rep.InvitationID)
	switch {
	case IsKind(err, NotFound):
		return ReportNoInvitation, nil
	case err != nil:
		return "", fmt.Errorf("get invitation %s: %w", rep.InvitationID, err)
	case inv.TenantID != rep.TenantID || inv.ID != rep.InvitationID:
		return ReportNoInvitation, nil
	case rep.MessageID == "" || inv.Delivery.MessageID != rep.MessageID:
		return ReportOtherMessage, nil
	}
	cur := inv.Delivery
	next, ok := applyReport(cur, rep)
	if !ok {
		return ReportOutranked, nil
	}
	next.UpdatedAt = timestamp(r.Clock)
	flags, err := r.flagsFor(ctx, inv, next, rep)
	if err != nil {
		return "", err
	}
	if err := r.Store.RecordEmailReport(ctx, inv, next, flags); err != nil {
		if isConflict(err, ConflictUserChanged) && flags != nil {
			// The user is gone (purged): the invitation still records it.
			err = r.Store.RecordEmailReport(ctx, inv, next, nil)
		}
		if err != nil {
			return "", fmt.Errorf("record %s of %s: %w", rep.Kind, inv.ID, err)
		}
	}
	return ReportRecorded, nil
}

// applyReport is the delivery after a report, and whether it changes.
func applyReport(cur Delivery, rep EmailReport) (Delivery, bool) {
	next := cur
	next.ReportedAt = rep.At
	switch rep.Kind {
	case ReportDelivery:
		next.Status, next.LastError = DeliveryDelivered, ""
	case ReportComplaint:
		next.Status, next.LastError = DeliveryComplained, "The recipient marked the email as spam."
		if rep.Feedback != "" {
			next.LastError = fmt.Sprintf("The recipient marked the email as spam (%s).", rep.Feedback)
		}
	case ReportReject:
		next.Status, next.FailureReason = DeliveryFailed, ReasonRejected
		next.LastError = "The mail service refused to send the email."
	case ReportBounce:
		next.BounceType, next.BounceSubType = rep.BounceType, rep.BounceSubType
		if rep.BounceType != BouncePermanent {
			// Not final: recorded on a sent message, the status stays.
			if cur.Status != DeliverySent || (cur.BounceType == rep.BounceType && cur.BounceSubType == rep.BounceSubType) {
				return cur, false
			}
			next.LastError = fmt.Sprintf("The recipient's server deferred the email (%s bounce, %s); it is not final.", rep.BounceType, orUnknown(rep.BounceSubType))
			return next, true
		}
		next.Status = DeliveryBounced
		next.LastError = fmt.Sprintf("The recipient's server refused the address for good (%s).", orUnknown(rep.BounceSubType))
	default:
		return cur, false
	}
	if rank[next.Status] <= rank[cur.Status] {
		return cur, false
	}
	return next, true
}

func orUnknown(s string) string {
	if s == "" {
		return "no reason given"
	}
	return s
}

// flagsFor is the change of the user's address flags that next brings: a
// permanent bounce or a complaint flags the address; a delivery clears the
// flags (the address works again, e.g. after a forced resend). Nil when
// nothing changes.
func (r *EmailReports) flagsFor(ctx context.Context, inv Invitation, next Delivery, rep EmailReport) (*AddressFlags, error) {
	if next.Status != DeliveryBounced && next.Status != DeliveryComplained && next.Status != DeliveryDelivered {
		return nil, nil
	}
	user, err := r.Store.GetUser(ctx, inv.TenantID, inv.PartnerID, inv.UserID)
	switch {
	case IsKind(err, NotFound):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("get user of invitation %s: %w", inv.ID, err)
	}
	f := AddressFlags{PartnerID: user.PartnerID, UserID: user.ID, BouncedAt: user.EmailBouncedAt, ComplainedAt: user.EmailComplainedAt}
	at := rep.At
	if at.IsZero() {
		at = next.UpdatedAt
	}
	switch next.Status {
	case DeliveryBounced:
		if !f.BouncedAt.IsZero() {
			return nil, nil
		}
		f.BouncedAt = at
	case DeliveryComplained:
		if !f.ComplainedAt.IsZero() {
			return nil, nil
		}
		f.ComplainedAt = at
	case DeliveryDelivered:
		if f.BouncedAt.IsZero() && f.ComplainedAt.IsZero() {
			return nil, nil
		}
		f.BouncedAt, f.ComplainedAt = time.Time{}, time.Time{}
	}
	return &f, nil
}

// recipientFlagged refuses an email to a user whose address hard-bounced or
// complained, unless the caller forces it.
func recipientFlagged(user PartnerUser, sendEmail, force bool) error {
	if !sendEmail || force {
		return nil
	}
	switch {
	case !user.EmailBouncedAt.IsZero():
		return &Error{Kind: Conflict,
			Message: fmt.Sprintf("Email to %s bounced for good on %s; nothing was sent. Check the address, send with \"force\": true to try it anyway, or use \"send_email\": false to get the link.", user.Email, user.EmailBouncedAt.Format(time.RFC3339)),
			Details: map[string]any{"code": "recipient_bounced", "user_id": user.ID, "email_bounced_at": user.EmailBouncedAt}}
	case !user.EmailComplainedAt.IsZero():
		return &Error{Kind: Conflict,
			Message: fmt.Sprintf("%s marked an earlier email as spam on %s; nothing was sent. Send with \"force\": true to send anyway, or use \"send_email\": false to get the link.", user.Email, user.EmailComplainedAt.Format(time.RFC3339)),
			Details: map[string]any{"code": "recipient_complained", "user_id": user.ID, "email_complained_at": user.EmailComplainedAt}}
	}
	return nil
}

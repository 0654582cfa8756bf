package sesevents

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// Recorder applies a report (partners.EmailReports).
type Recorder interface {
	// Record applies one report; an error means the store failed and the
	// event should be retried.
	Record(ctx context.Context, rep partners.EmailReport) (partners.EmailReportOutcome, error)
}

// Handler is the record-email-event function's Lambda handler.
type Handler struct {
	Reports Recorder
	Log     *slog.Logger
}

// Result is what one event did: the function's answer, for the logs and
// `partnerctl invoke`.
type Result struct {
	Outcome      string `json:"outcome"`
	Kind         string `json:"kind,omitempty"`
	MessageID    string `json:"message_id,omitempty"`
	InvitationID string `json:"invitation_id,omitempty"`
}

// Handle applies one SES event. A payload it cannot use (malformed, of a
// type it does not act on, without our tags) is logged and acknowledged: a
// retry cannot fix it. Only a store that fails is an error, for the bus's
// retries and then the dead-letter queue.
func (h *Handler) Handle(ctx context.Context, payload json.RawMessage) (Result, error) {
	rep, err := Parse(payload)
	switch {
	case errors.Is(err, ErrUnsupported):
		h.Log.Info("email event: ignored", "err", err)
		return Result{Outcome: "unsupported"}, nil
	case err != nil:
		h.Log.Warn("email event: unusable", "err", err, "bytes", len(payload))
		return Result{Outcome: "unusable"}, nil
	}
	log := h.Log.With("kind", string(rep.Kind), "message_id", rep.MessageID, "tenant_id", rep.TenantID, "invitation_id", rep.InvitationID)
	out, err := h.Reports.Record(ctx, rep)
	if err != nil {
		log.Error("email event: not recorded", "err", err)
		return Result{}, err
	}
	level := slog.LevelInfo
	if out == partners.ReportNoInvitation {
		level = slog.LevelWarn // tags that name nothing of ours
	}
	log.Log(ctx, level, "email event", "outcome", string(out), "bounce_type", string(rep.BounceType), "bounce_sub_type", rep.BounceSubType)
	return Result{Outcome: string(out), Kind: string(rep.Kind), MessageID: rep.MessageID, InvitationID: rep.InvitationID}, nil
}

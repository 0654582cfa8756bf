package tokenclaims

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// Handler is the issue-token-claims function's Lambda handler (Cognito's
// pre-token-generation trigger, version 1 events).
type Handler struct {
	Access *partners.AccessReader
	Log    *slog.Logger
}

// ErrNoAccess is what the trigger answers Cognito for a login that may
// reach nothing: Cognito then issues no tokens (the sign-in or refresh
// fails with UserLambdaValidationException, whose message names no
// reason).
var ErrNoAccess = errors.New("no active membership")

// Handle adds the login's access to its ID token, or fails the sign-in.
func (h *Handler) Handle(ctx context.Context, e events.CognitoEventUserPoolsPreTokenGen) (events.CognitoEventUserPoolsPreTokenGen, error) {
	sub := e.Request.UserAttributes["sub"]
	if sub == "" {
		sub = e.UserName // with email usernames Cognito's userName is the sub
	}
	log := h.Log.With("user_pool_id", e.UserPoolID, "sub", sub, "trigger_source", e.TriggerSource)
	access, err := h.Access.AccessOf(ctx, e.UserPoolID, sub)
	var refused *partners.NoAccessError
	if errors.As(err, &refused) {
		log.Info("token refused", "reason", refused.Reason)
		return e, ErrNoAccess
	}
	if err != nil {
		log.Error("token claims failed", "err", err)
		return e, fmt.Errorf("token claims of %s: %w", sub, err)
	}
	value, err := ClaimOf(access).Encode()
	if err != nil {
		return e, err
	}
	claims := e.Response.ClaimsOverrideDetails.ClaimsToAddOrOverride
	if claims == nil {
		claims = map[string]string{}
	}
	claims[ClaimName] = value
	e.Response.ClaimsOverrideDetails.ClaimsToAddOrOverride = claims
	// Groups as they are: an override of nil could be read as "none".
	e.Response.ClaimsOverrideDetails.GroupOverrideDetails = e.Request.GroupConfiguration
	log.Info("token claims", "tenant_id", access.Tenant.ID, "memberships", len(access.Memberships), "claim_bytes", len(value))
	return e, nil
}

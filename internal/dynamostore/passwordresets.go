package dynamostore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// A password reset lives in its tenant's partition, one item per address:
// T#<tid> / PWRESET#<email>. Its link's token is RTOK#<hash> / RTOK,
// apart from invitation tokens (TOK#), so that a reset token can never
// open an activation page nor the other way round. Both die by TTL a month
// after their last use, so that a dead link can still say what happened.
func passwordResetSK(email string) string { return "PWRESET#" + email }
func resetTokenPK(hash string) string     { return "RTOK#" + hash }

const (
	resetTokenSK   = "RTOK"
	resetRetention = 30 * 24 * time.Hour
)

// Reset request counts: T#<tid> / RESETS#H#<hour> for the tenant's hour and
// T#<tid> / RESETS#R#<hour>#<email> for an address's; gone by TTL an hour
// after their window.
func tenantResetsSK(hour time.Time) string { return "RESETS#H#" + hour.UTC().Format("2006010215") }
func addressResetsSK(email string, hour time.Time) string {
	return "RESETS#R#" + hour.UTC().Format("2006010215") + "#" + email
}

type passwordResetRecord struct {
	keys
	Type           string     `dynamodbav:"type"`
	TenantID       string     `dynamodbav:"tenant_id"`
	Email          string     `dynamodbav:"email"`
	Seq            int        `dynamodbav:"reset_seq"`
	Status         string     `dynamodbav:"reset_status"`
	RequestedAt    time.Time  `dynamodbav:"requested_at"`
	Attempts       int        `dynamodbav:"attempts"`
	Requeues       int        `dynamodbav:"requeues"`
	NextAttemptAt  *time.Time `dynamodbav:"next_attempt_at,omitempty"`
	MessageID      string     `dynamodbav:"message_id,omitempty"`
	LastError      string     `dynamodbav:"last_error,omitempty"`
	UpdatedAt      time.Time  `dynamodbav:"updated_at"`
	TokenHash      string     `dynamodbav:"token_hash,omitempty"`
	TokenExpiresAt *time.Time `dynamodbav:"token_expires_at,omitempty"`
	PartnerID      string     `dynamodbav:"partner_id,omitempty"`
	UserID         string     `dynamodbav:"user_id,omitempty"`
	Sub            string     `dynamodbav:"cognito_sub,omitempty"`
	ClaimedMS      int64      `dynamodbav:"claimed_ms,omitempty"`
	UsedAt         *time.Time `dynamodbav:"used_at,omitempty"`
	TTL            int64      `dynamodbav:"ttl"`
}

func (r passwordResetRecord) domain() partners.PasswordReset {
	var claimed time.Time
	if r.ClaimedMS != 0 {
		claimed = time.UnixMilli(r.ClaimedMS).UTC()
	}
	return partners.PasswordReset{
		TenantID: r.TenantID, Email: r.Email, Seq: r.Seq, Status: partners.ResetStatus(r.Status), RequestedAt: r.RequestedAt,
		Attempts: r.Attempts, Requeues: r.Requeues, NextAttemptAt: timeOf(r.NextAttemptAt), MessageID: r.MessageID,
		LastError: r.LastError, UpdatedAt: r.UpdatedAt, TokenHash: r.TokenHash, TokenExpiresAt: timeOf(r.TokenExpiresAt),
		PartnerID: r.PartnerID, UserID: r.UserID, Sub: r.Sub, ClaimedAt: claimed, UsedAt: timeOf(r.UsedAt),
	}
}

type resetTokenRecord struct {
	keys
	Type      string    `dynamodbav:"type"`
	TenantID  string    `dynamodbav:"tenant_id"`
	Email     string    `dynamodbav:"email"`
	ExpiresAt time.Time `dynamodbav:"expires_at"`
	TTL       int64     `dynamodbav:"ttl"`
}

// values marshals expression values; times as the records store them.
func values(kv map[string]any) (map[string]types.AttributeValue, error) {
	out := make(map[string]types.AttributeValue, len(kv))
	for k, v := range kv {
		if av, ok := v.(types.AttributeValue); ok {
			out[k] = av
			continue
		}
		av, err := attributevalue.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", k, err)
		}
		out[k] = av
	}
	return out, nil
}

// QueuePasswordReset records a request: a new reset, or the next Seq of
// the address's, queued afresh; the live link is left as it is.
func (s *Store) QueuePasswordReset(ctx context.Context, tenantID, email string, now time.Time) error {
	vals, err := values(map[string]any{
		":type": TypePasswordReset, ":tid": tenantID, ":email": email, ":queued": string(partners.ResetQueued),
		":now": now, ":zero": 0, ":one": 1, ":ttl": now.Add(resetRetention + partners.PasswordResetLifetime).Unix(),
	})
	if err != nil {
		return err
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: keyOf(tenantPK(tenantID), passwordResetSK(email)),
		UpdateExpression: aws.String("SET #type = :type, tenant_id = :tid, email = :email, reset_status = :queued, requested_at = :now, " +
			"attempts = :zero, requeues = :zero, updated_at = :now, #ttl = :ttl ADD reset_seq :one REMOVE next_attempt_at, last_error, message_id"),
		ExpressionAttributeNames:  map[string]string{"#type": attrType, "#ttl": Table.TTLAttribute},
		ExpressionAttributeValues: vals,
	})
	if err != nil {
		return fmt.Errorf("queue a password reset of %s: %w", tenantID, err)
	}
	return nil
}

// GetPasswordReset reads an address's reset, strongly consistent.
func (s *Store) GetPasswordReset(ctx context.Context, tenantID, email string) (partners.PasswordReset, error) {
	var r passwordResetRecord
	if err := s.get(ctx, tenantPK(tenantID), passwordResetSK(email), "password reset", &r); err != nil {
		return partners.PasswordReset{}, err
	}
	return r.domain(), nil
}

// GetResetToken reads a reset token by hash, strongly consistent: a link
// works the moment it is stored.
func (s *Store) GetResetToken(ctx context.Context, hash string) (partners.ResetToken, error) {
	var r resetTokenRecord
	if err := s.get(ctx, resetTokenPK(hash), resetTokenSK, "reset token", &r); err != nil {
		return partners.ResetToken{}, err
	}
	return partners.ResetToken{Hash: hash, TenantID: r.TenantID, Email: r.Email, ExpiresAt: r.ExpiresAt}, nil
}

// IssuePasswordResetLink stores the token and makes it the reset's live
// link, in one transaction, if the reset is still queued at r.Seq.
func (s *Store) IssuePasswordResetLink(ctx context.Context, r partners.PasswordReset, tok partners.ResetToken) error {
	ttl := tok.ExpiresAt.Add(resetRetention).Unix()
	token, err := attributevalue.MarshalMap(resetTokenRecord{
		keys: keys{PK: resetTokenPK(tok.Hash), SK: resetTokenSK}, Type: TypeResetToken,
		TenantID: tok.TenantID, Email: tok.Email, ExpiresAt: tok.ExpiresAt, TTL: ttl,
	})
	if err != nil {
		return fmt.Errorf("encode reset token: %w", err)
	}
	vals, err := values(map[string]any{
		":seq": r.Seq, ":queued": string(partners.ResetQueued), ":hash": tok.Hash, ":exp": tok.ExpiresAt,
		":pid": r.PartnerID, ":uid": r.UserID, ":sub": r.Sub, ":ttl": ttl,
	})
	if err != nil {
		return err
	}
	var t txn
	t.add(types.TransactWriteItem{Put: &types.Put{
		TableName: aws.String(s.table), Item: token, ConditionExpression: aws.String("attribute_not_exists(PK)"),
	}}, partners.ConflictItemExists, "reset token")
	t.add(types.TransactWriteItem{Update: &types.Update{
		TableName: aws.String(s.table), Key: keyOf(tenantPK(r.TenantID), passwordResetSK(r.Email)),
		UpdateExpression: aws.String("SET token_hash = :hash, token_expires_at = :exp, partner_id = :pid, user_id = :uid, " +
			"cognito_sub = :sub, #ttl = :ttl REMOVE claimed_ms, used_at"),
		ConditionExpression:       aws.String("reset_seq = :seq AND reset_status = :queued"),
		ExpressionAttributeNames:  map[string]string{"#ttl": Table.TTLAttribute},
		ExpressionAttributeValues: vals,
	}}, partners.ConflictResetChanged, r.TenantID)
	if err := s.transact(ctx, t); err != nil {
		return fmt.Errorf("issue a password reset link of %s: %w", r.TenantID, err)
	}
	return nil
}

// RecordPasswordResetDelivery stores the status and delivery of r if the
// reset is still at r.Seq.
func (s *Store) RecordPasswordResetDelivery(ctx context.Context, r partners.PasswordReset) error {
	kv := map[string]any{
		":seq": r.Seq, ":status": string(r.Status), ":attempts": r.Attempts, ":requeues": r.Requeues, ":updated": r.UpdatedAt,
	}
	set := []string{"reset_status = :status", "attempts = :attempts", "requeues = :requeues", "updated_at = :updated"}
	var remove []string
	optional := func(attr, placeholder string, v any, empty bool) {
		if empty {
			remove = append(remove, attr)
			return
		}
		set = append(set, attr+" = "+placeholder)
		kv[placeholder] = v
	}
	optional("next_attempt_at", ":next", r.NextAttemptAt, r.NextAttemptAt.IsZero())
	optional("message_id", ":msg", r.MessageID, r.MessageID == "")
	optional("last_error", ":lasterr", r.LastError, r.LastError == "")
	vals, err := values(kv)
	if err != nil {
		return err
	}
	expr := "SET " + strings.Join(set, ", ")
	if len(remove) > 0 {
		expr += " REMOVE " + strings.Join(remove, ", ")
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: keyOf(tenantPK(r.TenantID), passwordResetSK(r.Email)),
		UpdateExpression: aws.String(expr), ConditionExpression: aws.String("reset_seq = :seq"),
		ExpressionAttributeValues: vals,
	})
	if err := conditionFailed(err, partners.ConflictResetChanged, r.TenantID); err != nil {
		return fmt.Errorf("record a password reset delivery of %s: %w", r.TenantID, err)
	}
	return nil
}

// ClaimPasswordReset takes the live link for one submit.
func (s *Store) ClaimPasswordReset(ctx context.Context, tenantID, email, hash string, now, staleBefore time.Time) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: keyOf(tenantPK(tenantID), passwordResetSK(email)),
		UpdateExpression:    aws.String("SET claimed_ms = :now"),
		ConditionExpression: aws.String("token_hash = :hash AND attribute_not_exists(used_at) AND (attribute_not_exists(claimed_ms) OR claimed_ms < :stale)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":now": num64(now.UnixMilli()), ":hash": str(hash), ":stale": num64(staleBefore.UnixMilli()),
		},
	})
	if err := conditionFailed(err, partners.ConflictResetChanged, tenantID); err != nil {
		return fmt.Errorf("claim a password reset of %s: %w", tenantID, err)
	}
	return nil
}

// ReleasePasswordReset gives a claim back; a claim that is no longer this
// one's is left alone.
func (s *Store) ReleasePasswordReset(ctx context.Context, tenantID, email, hash string, claimedAt time.Time) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: keyOf(tenantPK(tenantID), passwordResetSK(email)),
		UpdateExpression:          aws.String("REMOVE claimed_ms"),
		ConditionExpression:       aws.String("token_hash = :hash AND claimed_ms = :mine AND attribute_not_exists(used_at)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":hash": str(hash), ":mine": num64(claimedAt.UnixMilli())},
	})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("release a password reset of %s: %w", tenantID, err)
	}
	return nil
}

// FinishPasswordReset marks the link used and stamps the user's
// password_reset_at, in one transaction.
func (s *Store) FinishPasswordReset(ctx context.Context, tenantID, email, hash string, claimedAt time.Time, user partners.PartnerUser) error {
	vals, err := values(map[string]any{
		":hash": str(hash), ":mine": num64(claimedAt.UnixMilli()), ":at": user.PasswordResetAt,
	})
	if err != nil {
		return err
	}
	uvals, err := values(map[string]any{
		":at": user.PasswordResetAt, ":updated": user.UpdatedAt, ":active": string(partners.UserActive),
		":by": newActorRecord(user.ChangedBy), ":sub": user.Sub,
	})
	if err != nil {
		return err
	}
	var t txn
	t.add(types.TransactWriteItem{Update: &types.Update{
		TableName: aws.String(s.table), Key: keyOf(tenantPK(tenantID), passwordResetSK(email)),
		UpdateExpression:          aws.String("SET used_at = :at"),
		ConditionExpression:       aws.String("token_hash = :hash AND claimed_ms = :mine AND attribute_not_exists(used_at)"),
		ExpressionAttributeValues: vals,
	}}, partners.ConflictResetChanged, tenantID)
	t.add(types.TransactWriteItem{Update: &types.Update{
		TableName: aws.String(s.table), Key: keyOf(tenantPK(tenantID), userSK(user.PartnerID, user.ID)),
		UpdateExpression:          aws.String("SET password_reset_at = :at, updated_at = :updated, changed_by = :by"),
		ConditionExpression:       aws.String("#status = :active AND cognito_sub = :sub"),
		ExpressionAttributeNames:  map[string]string{"#status": "status"},
		ExpressionAttributeValues: uvals,
	}}, partners.ConflictUserChanged, user.ID)
	if err := s.transact(ctx, t); err != nil {
		return fmt.Errorf("finish a password reset of %s: %w", tenantID, err)
	}
	return nil
}

// CountAddressResetRequest counts one request of an address in its hour.
func (s *Store) CountAddressResetRequest(ctx context.Context, tenantID, email string, hour time.Time, limit int) (bool, error) {
	return s.reserveCount(ctx, tenantID, addressResetsSK(email, hour), TypeResetCount, 1, limit, hour.Add(2*time.Hour))
}

// CountTenantResetRequest counts one request of a tenant in its hour.
func (s *Store) CountTenantResetRequest(ctx context.Context, tenantID string, hour time.Time, limit int) (bool, error) {
	return s.reserveCount(ctx, tenantID, tenantResetsSK(hour), TypeResetCount, 1, limit, hour.Add(2*time.Hour))
}

package dynamostore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/partnerinvites/partnerinvites/internal/emails"
	"github.com/partnerinvites/partnerinvites/internal/partners"
)

func claimSK(email string) string              { return "E#" + email }
func userSK(partnerID, userID string) string   { return "P#" + partnerID + "#U#" + userID }
func invitationSK(invitationID string) string  { return "I#" + invitationID }
func invitationsGSI1PK(tenantID string) string { return "T#" + tenantID + "#INVITATIONS" }
func tokenPK(hash string) string               { return "TOK#" + hash }
func pendingGSI2PK(invitationID string) string {
	return "PENDING#" + strconv.Itoa(shardOf(invitationID))
}
func pendingGSI2SK(inv partners.Invitation) string {
	return inv.ExpiresAt.UTC().Format(sortableTime) + "#" + inv.TenantID + "#" + inv.ID
}

const (
	settingsSK = "SETTINGS"
	tokenSK    = "TOK"
	// sortableTime sorts as text in time order (fixed width, UTC).
	sortableTime = "2006-01-02T15:04:05.000Z"
	// pendingShards spreads the pending-by-expiry index over partitions.
	pendingShards = 10
	// tokenRetention keeps a dead link's token after expiry, so that the link
	// can still say it expired rather than that it never existed.
	tokenRetention = 30 * 24 * time.Hour
)

func shardOf(id string) int {
	h := 0
	for _, c := range id {
		h = (h*31 + int(c)) % pendingShards
	}
	return h
}

type settingsRecord struct {
	keys
	Type           string    `dynamodbav:"type"`
	InviteTTLHours int       `dynamodbav:"invite_ttl_hours"`
	Roles          []string  `dynamodbav:"roles"`
	LogoURL        string    `dynamodbav:"logo_url,omitempty"`
	AccentColor    string    `dynamodbav:"accent_color,omitempty"`
	EmailSubject   string    `dynamodbav:"email_subject,omitempty"`
	EmailHTML      string    `dynamodbav:"email_html,omitempty"`
	EmailText      string    `dynamodbav:"email_text,omitempty"`
	PortalURL      string    `dynamodbav:"portal_url,omitempty"`
	SelfService    bool      `dynamodbav:"self_service_renewal"`
	EmailsPerHour  int       `dynamodbav:"emails_per_hour,omitempty"`
	EmailsPerDay   int       `dynamodbav:"emails_per_recipient_per_day,omitempty"`
	UpdatedAt      time.Time `dynamodbav:"updated_at"`
}

// GetSettings returns a tenant's settings, or the defaults.
func (s *Store) GetSettings(ctx context.Context, tenantID string) (partners.Settings, error) {
	var r settingsRecord
	err := s.get(ctx, tenantPK(tenantID), settingsSK, "settings", &r)
	if partners.IsKind(err, partners.NotFound) {
		return partners.DefaultSettings(), nil
	}
	if err != nil {
		return partners.Settings{}, err
	}
	return r.domain(), nil
}

func (r settingsRecord) domain() partners.Settings {
	return partners.Settings{
		InviteTTLHours: r.InviteTTLHours, Roles: r.Roles,
		Branding:  partners.Branding{LogoURL: r.LogoURL, AccentColor: r.AccentColor},
		Email:     emails.Templates{Subject: r.EmailSubject, HTML: r.EmailHTML, Text: r.EmailText},
		PortalURL: r.PortalURL, SelfServiceRenewal: r.SelfService, UpdatedAt: r.UpdatedAt,
		SendLimits: partners.SendLimits{EmailsPerHour: r.EmailsPerHour, EmailsPerRecipientPerDay: r.EmailsPerDay}.WithDefaults(),
	}
}

// PutSettings replaces a tenant's settings.
func (s *Store) PutSettings(ctx context.Context, tenantID string, st partners.Settings) error {
	item, err := attributevalue.MarshalMap(settingsRecord{
		keys: keys{PK: tenantPK(tenantID), SK: settingsSK}, Type: "settings",
		InviteTTLHours: st.InviteTTLHours, Roles: st.Roles,
		LogoURL: st.Branding.LogoURL, AccentColor: st.Branding.AccentColor,
		EmailSubject: st.Email.Subject, EmailHTML: st.Email.HTML, EmailText: st.Email.Text,
		PortalURL: st.PortalURL, SelfService: st.SelfServiceRenewal, UpdatedAt: st.UpdatedAt,
		EmailsPerHour: st.SendLimits.EmailsPerHour, EmailsPerDay: st.SendLimits.EmailsPerRecipientPerDay,
	})
	if err != nil {
		return fmt.Errorf("encode settings: %w", err)
	}
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: item}); err != nil {
		return fmt.Errorf("put settings of %s: %w", tenantID, err)
	}
	return nil
}

type claimRecord struct {
	keys
	Type      string `dynamodbav:"type"`
	Email     string `dynamodbav:"email"`
	PartnerID string `dynamodbav:"partner_id"`
	UserID    string `dynamodbav:"user_id"`
}

// GetEmailClaim returns the claim on a normalised email.
func (s *Store) GetEmailClaim(ctx context.Context, tenantID, email string) (partners.EmailClaim, error) {
	var r claimRecord
	if err := s.get(ctx, tenantPK(tenantID), claimSK(email), "claim on "+email, &r); err != nil {
		return partners.EmailClaim{}, err
	}
	return partners.EmailClaim{TenantID: tenantID, Email: r.Email, PartnerID: r.PartnerID, UserID: r.UserID}, nil
}

type userRecord struct {
	keys
	Type         string    `dynamodbav:"type"`
	ID           string    `dynamodbav:"id"`
	TenantID     string    `dynamodbav:"tenant_id"`
	PartnerID    string    `dynamodbav:"partner_id"`
	FirstName    string    `dynamodbav:"first_name,omitempty"`
	LastName     string    `dynamodbav:"last_name,omitempty"`
	Email        string    `dynamodbav:"email"`
	JobTitle     string    `dynamodbav:"job_title,omitempty"`
	Phone        string    `dynamodbav:"phone,omitempty"`
	Role         string    `dynamodbav:"role"`
	Status       string    `dynamodbav:"status"`
	InvitationID string    `dynamodbav:"invitation_id"`
	Sub          string    `dynamodbav:"cognito_sub,omitempty"`
	CreatedAt    time.Time `dynamodbav:"created_at"`
	UpdatedAt    time.Time `dynamodbav:"updated_at"`
}

func newUserRecord(u partners.PartnerUser) userRecord {
	return userRecord{
		keys: keys{PK: tenantPK(u.TenantID), SK: userSK(u.PartnerID, u.ID)}, Type: "partner_user",
		ID: u.ID, TenantID: u.TenantID, PartnerID: u.PartnerID, FirstName: u.FirstName, LastName: u.LastName,
		Email: u.Email, JobTitle: u.JobTitle, Phone: u.Phone, Role: u.Role, Status: string(u.Status),
		InvitationID: u.InvitationID, Sub: u.Sub, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt,
	}
}

func (r userRecord) domain() partners.PartnerUser {
	return partners.PartnerUser{
		ID: r.ID, TenantID: r.TenantID, PartnerID: r.PartnerID, FirstName: r.FirstName, LastName: r.LastName,
		Email: r.Email, JobTitle: r.JobTitle, Phone: r.Phone, Role: r.Role, Status: partners.UserStatus(r.Status),
		InvitationID: r.InvitationID, Sub: r.Sub, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}

// GetUser returns a partner user.
func (s *Store) GetUser(ctx context.Context, tenantID, partnerID, userID string) (partners.PartnerUser, error) {
	var r userRecord
	if err := s.get(ctx, tenantPK(tenantID), userSK(partnerID, userID), "user "+userID, &r); err != nil {
		return partners.PartnerUser{}, err
	}
	return r.domain(), nil
}

// ListUsers returns a partner's users, oldest first.
func (s *Store) ListUsers(ctx context.Context, tenantID, partnerID string, f partners.UserFilter, position string, limit int) ([]partners.PartnerUser, string, error) {
	prefix := userSK(partnerID, "")
	q := &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(tenantPK(tenantID)), ":prefix": str(prefix),
		},
	}
	if f.Status != "" {
		q.FilterExpression = aws.String("#status = :status")
		q.ExpressionAttributeNames = map[string]string{"#status": "status"}
		q.ExpressionAttributeValues[":status"] = str(string(f.Status))
	}
	items, next, err := s.queryPage(ctx, pageQuery{in: q, wantPK: tenantPK(tenantID), wantSKPrefix: prefix}, position, limit)
	if err != nil {
		return nil, "", fmt.Errorf("list users of %s: %w", partnerID, err)
	}
	out, err := decodeList[userRecord](items, "users of "+partnerID)
	return out, next, err
}

type invitationRecord struct {
	keys
	GSI2PK      string      `dynamodbav:"GSI2PK,omitempty"`
	GSI2SK      string      `dynamodbav:"GSI2SK,omitempty"`
	Type        string      `dynamodbav:"type"`
	ID          string      `dynamodbav:"id"`
	TenantID    string      `dynamodbav:"tenant_id"`
	PartnerID   string      `dynamodbav:"partner_id"`
	UserID      string      `dynamodbav:"user_id"`
	Email       string      `dynamodbav:"email"`
	EmailNorm   string      `dynamodbav:"email_normalized"`
	Role        string      `dynamodbav:"role"`
	Status      string      `dynamodbav:"status"`
	TokenHash   string      `dynamodbav:"token_hash"`
	ExpiresAt   time.Time   `dynamodbav:"expires_at"`
	ExpiresMS   int64       `dynamodbav:"expires_ms"`
	InvitedBy   string      `dynamodbav:"invited_by,omitempty"`
	InviterName string      `dynamodbav:"inviter_name,omitempty"`
	RedirectURL string      `dynamodbav:"redirect_url,omitempty"`
	SendSeq     int         `dynamodbav:"send_seq"`
	Vouched     bool        `dynamodbav:"tenant_verified_email,omitempty"`
	SealedToken string      `dynamodbav:"sealed_token,omitempty"`
	ResentAt    []time.Time `dynamodbav:"resent_at,omitempty"`
	CreatedAt   time.Time   `dynamodbav:"created_at"`
	UpdatedAt   time.Time   `dynamodbav:"updated_at"`
	AcceptedAt  *time.Time  `dynamodbav:"accepted_at,omitempty"`
	RevokedAt   *time.Time  `dynamodbav:"revoked_at,omitempty"`
	RenewalAt   *time.Time  `dynamodbav:"renewal_requested_at,omitempty"`
	deliveryRecord
}

// deliveryRecord is the invitation's delivery, flattened into the item so
// that the sender can update it alone.
type deliveryRecord struct {
	DeliveryStatus    string     `dynamodbav:"delivery_status"`
	MessageID         string     `dynamodbav:"message_id,omitempty"`
	DeliveryAttempts  int        `dynamodbav:"delivery_attempts"`
	DeliveryLastError string     `dynamodbav:"delivery_last_error,omitempty"`
	FailureReason     string     `dynamodbav:"delivery_failure_reason,omitempty"`
	NextAttemptAt     *time.Time `dynamodbav:"next_attempt_at,omitempty"`
	Requeues          int        `dynamodbav:"delivery_requeues,omitempty"`
	QueuedAt          *time.Time `dynamodbav:"queued_at,omitempty"`
	SentAt            *time.Time `dynamodbav:"sent_at,omitempty"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func timeOf(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

func newDeliveryRecord(d partners.Delivery) deliveryRecord {
	return deliveryRecord{
		DeliveryStatus: string(d.Status), MessageID: d.MessageID, DeliveryAttempts: d.Attempts,
		DeliveryLastError: d.LastError, QueuedAt: timePtr(d.QueuedAt), SentAt: timePtr(d.SentAt),
		FailureReason: string(d.FailureReason), NextAttemptAt: timePtr(d.NextAttemptAt), Requeues: d.Requeues,
	}
}

func newInvitationRecord(inv partners.Invitation) invitationRecord {
	r := invitationRecord{
		keys: keys{
			PK: tenantPK(inv.TenantID), SK: invitationSK(inv.ID),
			GSI1PK: invitationsGSI1PK(inv.TenantID), GSI1SK: inv.ID,
		},
		Type: "invitation", ID: inv.ID, TenantID: inv.TenantID, PartnerID: inv.PartnerID, UserID: inv.UserID,
		Email: inv.Email, EmailNorm: partners.NormalizeEmail(inv.Email), Role: inv.Role, Status: string(inv.Status),
		TokenHash: inv.TokenHash, ExpiresAt: inv.ExpiresAt, ExpiresMS: inv.ExpiresAt.UnixMilli(),
		InvitedBy: inv.InvitedBy, InviterName: inv.InviterName, RedirectURL: inv.RedirectURL,
		SendSeq: inv.SendSeq, SealedToken: inv.SealedToken, ResentAt: inv.ResentAt, Vouched: inv.TenantVerifiedEmail,
		CreatedAt: inv.CreatedAt, UpdatedAt: inv.UpdatedAt,
		AcceptedAt: timePtr(inv.AcceptedAt), RevokedAt: timePtr(inv.RevokedAt), RenewalAt: timePtr(inv.RenewalRequestedAt),
		deliveryRecord: newDeliveryRecord(inv.Delivery),
	}
	if inv.Status == partners.InvitationPending {
		r.GSI2PK, r.GSI2SK = pendingGSI2PK(inv.ID), pendingGSI2SK(inv)
	}
	return r
}

func (r invitationRecord) domain() partners.Invitation {
	return partners.Invitation{
		ID: r.ID, TenantID: r.TenantID, PartnerID: r.PartnerID, UserID: r.UserID, Email: r.Email, Role: r.Role,
		Status: partners.InvitationStatus(r.Status), TokenHash: r.TokenHash, ExpiresAt: r.ExpiresAt,
		InvitedBy: r.InvitedBy, InviterName: r.InviterName, RedirectURL: r.RedirectURL,
		SendSeq: r.SendSeq, SealedToken: r.SealedToken, ResentAt: r.ResentAt, TenantVerifiedEmail: r.Vouched,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, AcceptedAt: timeOf(r.AcceptedAt), RevokedAt: timeOf(r.RevokedAt),
		RenewalRequestedAt: timeOf(r.RenewalAt),
		Delivery: partners.Delivery{
			Status: partners.DeliveryStatus(r.DeliveryStatus), MessageID: r.MessageID, Attempts: r.DeliveryAttempts,
			LastError: r.DeliveryLastError, QueuedAt: timeOf(r.QueuedAt), SentAt: timeOf(r.SentAt),
			FailureReason: partners.DeliveryReason(r.FailureReason), NextAttemptAt: timeOf(r.NextAttemptAt), Requeues: r.Requeues,
		},
	}
}

type tokenRecord struct {
	keys
	Type         string    `dynamodbav:"type"`
	TenantID     string    `dynamodbav:"tenant_id"`
	InvitationID string    `dynamodbav:"invitation_id"`
	ExpiresAt    time.Time `dynamodbav:"expires_at"`
	TTL          int64     `dynamodbav:"ttl"`
}

func newTokenRecord(t partners.Token) tokenRecord {
	return tokenRecord{
		keys: keys{PK: tokenPK(t.Hash), SK: tokenSK}, Type: "token",
		TenantID: t.TenantID, InvitationID: t.InvitationID, ExpiresAt: t.ExpiresAt,
		TTL: t.ExpiresAt.Add(tokenRetention).Unix(),
	}
}

// GetToken returns a token by hash, with a strongly consistent read: a link
// works the moment its invitation is written.
func (s *Store) GetToken(ctx context.Context, hash string) (partners.Token, error) {
	var r tokenRecord
	if err := s.get(ctx, tokenPK(hash), tokenSK, "token", &r); err != nil {
		return partners.Token{}, err
	}
	return partners.Token{Hash: hash, TenantID: r.TenantID, InvitationID: r.InvitationID, ExpiresAt: r.ExpiresAt}, nil
}

// GetInvitation returns an invitation of a tenant.
func (s *Store) GetInvitation(ctx context.Context, tenantID, invitationID string) (partners.Invitation, error) {
	var r invitationRecord
	if err := s.get(ctx, tenantPK(tenantID), invitationSK(invitationID), "invitation "+invitationID, &r); err != nil {
		return partners.Invitation{}, err
	}
	return r.domain(), nil
}

// invitationActions are the writes of a NewInvitation: the partner check
// (if asked for), then the claim, then the rest.
func (s *Store) invitationActions(n partners.NewInvitation) ([]types.TransactWriteItem, error) {
	var actions []types.TransactWriteItem
	if n.CheckPartner {
		actions = append(actions, types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
			TableName: aws.String(s.table), Key: keyOf(tenantPK(n.Invitation.TenantID), partnerSK(n.Invitation.PartnerID)),
			ConditionExpression: aws.String("attribute_exists(PK)"),
		}})
	}
	var records []any
	if n.Claim != nil {
		records = append(records, claimRecord{
			keys: keys{PK: tenantPK(n.Claim.TenantID), SK: claimSK(n.Claim.Email)}, Type: "email_claim",
			Email: n.Claim.Email, PartnerID: n.Claim.PartnerID, UserID: n.Claim.UserID,
		})
	}
	for _, r := range records {
		a, err := s.putNewAction(r)
		if err != nil {
			return nil, err
		}
		actions = append(actions, a)
	}
	if n.NewUser {
		a, err := s.putNewAction(newUserRecord(n.User))
		if err != nil {
			return nil, err
		}
		actions = append(actions, a)
	} else {
		item, err := attributevalue.MarshalMap(newUserRecord(n.User))
		if err != nil {
			return nil, fmt.Errorf("encode user: %w", err)
		}
		actions = append(actions, types.TransactWriteItem{Put: &types.Put{
			TableName: aws.String(s.table), Item: item,
			ConditionExpression:       aws.String("invitation_id = :prev AND #status = :invited"),
			ExpressionAttributeNames:  map[string]string{"#status": "status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":prev": str(n.PreviousInvitationID), ":invited": str(string(partners.UserInvited))},
		}})
	}
	for _, r := range []any{newInvitationRecord(n.Invitation), newTokenRecord(n.Token)} {
		a, err := s.putNewAction(r)
		if err != nil {
			return nil, err
		}
		actions = append(actions, a)
	}
	return actions, nil
}

// CreateInvitation writes a NewInvitation in one transaction.
func (s *Store) CreateInvitation(ctx context.Context, n partners.NewInvitation) error {
	actions, err := s.invitationActions(n)
	if err != nil {
		return fmt.Errorf("create invitation: %w", err)
	}
	c := cancellation{claimAt: -1, partnerAt: -1}
	if n.CheckPartner {
		c.partnerAt = 0
	}
	if n.Claim != nil {
		c.claimAt = c.partnerAt + 1
	}
	return s.transactInvitation(ctx, actions, c, n.Invitation.PartnerID)
}

// CreatePartnerWithInvitation writes a partner and its contact's invitation
// in one transaction.
func (s *Store) CreatePartnerWithInvitation(ctx context.Context, p partners.Partner, n partners.NewInvitation) error {
	partnerPut, err := s.putNewAction(newPartnerRecord(p))
	if err != nil {
		return fmt.Errorf("create partner: %w", err)
	}
	actions, err := s.invitationActions(n)
	if err != nil {
		return fmt.Errorf("create partner: %w", err)
	}
	return s.transactInvitation(ctx, append([]types.TransactWriteItem{partnerPut}, actions...), cancellation{claimAt: 1, partnerAt: -1}, p.ID)
}

// cancellation says which actions of a transaction carry the conditions
// that callers tell apart (-1: none).
type cancellation struct {
	claimAt   int // the email claim: ErrEmailClaimed
	partnerAt int // the partner's existence: NotFound
}

// transactInvitation runs the writes, turning a failed claim or partner
// condition into ErrEmailClaimed or NotFound, and any other cancellation into
// Conflict.
func (s *Store) transactInvitation(ctx context.Context, actions []types.TransactWriteItem, c cancellation, partnerID string) error {
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: actions})
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		failed := func(i int) bool {
			return i >= 0 && i < len(tce.CancellationReasons) && aws.ToString(tce.CancellationReasons[i].Code) == "ConditionalCheckFailed"
		}
		switch {
		case failed(c.partnerAt):
			return partners.Errorf(partners.NotFound, "No partner %s.", partnerID)
		case failed(c.claimAt):
			return partners.ErrEmailClaimed
		}
		return partners.Errorf(partners.Conflict, "The invitation conflicts with a concurrent change.")
	}
	if err != nil {
		return fmt.Errorf("write invitation: %w", err)
	}
	return nil
}

// ReissueInvitation writes a reissued invitation, its new token and the user.
func (s *Store) ReissueInvitation(ctx context.Context, prev, next partners.Invitation, token partners.Token, user *partners.PartnerUser) error {
	item, err := attributevalue.MarshalMap(newInvitationRecord(next))
	if err != nil {
		return fmt.Errorf("encode invitation: %w", err)
	}
	actions := []types.TransactWriteItem{{Put: &types.Put{
		TableName: aws.String(s.table), Item: item,
		ConditionExpression:       aws.String("send_seq = :seq AND #status = :pending"),
		ExpressionAttributeNames:  map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":seq": num(prev.SendSeq), ":pending": str(string(partners.InvitationPending))},
	}}}
	tokenPut, err := s.putNewAction(newTokenRecord(token))
	if err != nil {
		return err
	}
	actions = append(actions, tokenPut)
	if user != nil {
		userItem, err := attributevalue.MarshalMap(newUserRecord(*user))
		if err != nil {
			return fmt.Errorf("encode user: %w", err)
		}
		actions = append(actions, types.TransactWriteItem{Put: &types.Put{
			TableName: aws.String(s.table), Item: userItem,
			ConditionExpression: aws.String("attribute_exists(PK)"),
		}})
	}
	return s.transactInvitation(ctx, actions, cancellation{claimAt: -1, partnerAt: -1}, prev.PartnerID)
}

// RevokeInvitation marks an invitation revoked and drops its sealed token.
func (s *Store) RevokeInvitation(ctx context.Context, inv partners.Invitation) error {
	revokedAt, err := attributevalue.Marshal(inv.RevokedAt)
	if err != nil {
		return err
	}
	updatedAt, err := attributevalue.Marshal(inv.UpdatedAt)
	if err != nil {
		return err
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                aws.String(s.table),
		Key:                      keyOf(tenantPK(inv.TenantID), invitationSK(inv.ID)),
		UpdateExpression:         aws.String("SET #status = :revoked, revoked_at = :at, updated_at = :updated REMOVE sealed_token, GSI2PK, GSI2SK"),
		ConditionExpression:      aws.String("send_seq = :seq AND #status IN (:pending, :expired)"),
		ExpressionAttributeNames: map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":revoked": str(string(partners.InvitationRevoked)), ":at": revokedAt, ":updated": updatedAt,
			":seq": num(inv.SendSeq), ":pending": str(string(partners.InvitationPending)),
			":expired": str(string(partners.InvitationExpired)),
		},
	})
	if isConditionFailed(err) {
		return partners.Errorf(partners.Conflict, "Invitation %s changed meanwhile.", inv.ID)
	}
	if err != nil {
		return fmt.Errorf("revoke invitation %s: %w", inv.ID, err)
	}
	return nil
}

// RecordDelivery stores the delivery of the issue sendSeq of an invitation.
func (s *Store) RecordDelivery(ctx context.Context, tenantID, invitationID string, sendSeq int, d partners.Delivery, clearSealed bool) error {
	rec, err := attributevalue.MarshalMap(newDeliveryRecord(d))
	if err != nil {
		return fmt.Errorf("encode delivery: %w", err)
	}
	var set, remove []string
	values := map[string]types.AttributeValue{":seq": num(sendSeq)}
	for _, name := range []string{"delivery_status", "message_id", "delivery_attempts", "delivery_last_error", "delivery_failure_reason", "next_attempt_at", "delivery_requeues", "queued_at", "sent_at"} {
		if v, ok := rec[name]; ok {
			set = append(set, name+" = :"+name)
			values[":"+name] = v
		} else {
			remove = append(remove, name)
		}
	}
	if clearSealed {
		remove = append(remove, "sealed_token")
	}
	expr := "SET " + strings.Join(set, ", ")
	if len(remove) > 0 {
		expr += " REMOVE " + strings.Join(remove, ", ")
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       keyOf(tenantPK(tenantID), invitationSK(invitationID)),
		UpdateExpression:          aws.String(expr),
		ConditionExpression:       aws.String("send_seq = :seq"),
		ExpressionAttributeValues: values,
	})
	if isConditionFailed(err) {
		return partners.Errorf(partners.Conflict, "Invitation %s was reissued meanwhile.", invitationID)
	}
	if err != nil {
		return fmt.Errorf("record delivery of %s: %w", invitationID, err)
	}
	return nil
}

// ListInvitations queries GSI1 newest first. The status filter is computed
// at now: pending means pending and not yet expired; expired includes
// pending invitations past their expiry that nothing has marked yet.
func (s *Store) ListInvitations(ctx context.Context, tenantID string, f partners.InvitationFilter, now time.Time, position string, limit int) ([]partners.Invitation, string, error) {
	q := s.newestFirst(invitationsGSI1PK(tenantID))
	var filters []string
	names := map[string]string{}
	if f.Status != "" {
		names["#status"] = "status"
		values := q.ExpressionAttributeValues
		values[":pending"] = str(string(partners.InvitationPending))
		values[":now"] = num64(now.UnixMilli())
		switch f.Status {
		case partners.InvitationPending:
			filters = append(filters, "(#status = :pending AND expires_ms > :now)")
		case partners.InvitationExpired:
			values[":expired"] = str(string(partners.InvitationExpired))
			filters = append(filters, "(#status = :expired OR (#status = :pending AND expires_ms <= :now))")
		default:
			delete(values, ":now")
			delete(values, ":pending")
			values[":status"] = str(string(f.Status))
			filters = append(filters, "#status = :status")
		}
	}
	if f.PartnerID != "" {
		filters = append(filters, "partner_id = :partner")
		q.ExpressionAttributeValues[":partner"] = str(f.PartnerID)
	}
	if f.Email != "" {
		filters = append(filters, "email_normalized = :email")
		q.ExpressionAttributeValues[":email"] = str(f.Email)
	}
	if len(filters) > 0 {
		q.FilterExpression = aws.String(strings.Join(filters, " AND "))
	}
	if len(names) > 0 {
		q.ExpressionAttributeNames = names
	}
	items, next, err := s.queryPage(ctx, pageQuery{in: q, wantPK: tenantPK(tenantID), wantGSI1PK: invitationsGSI1PK(tenantID)}, position, limit)
	if err != nil {
		return nil, "", fmt.Errorf("list invitations of %s: %w", tenantID, err)
	}
	out, err := decodeList[invitationRecord](items, "invitations of "+tenantID)
	return out, next, err
}

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }
func num(n int) types.AttributeValue    { return &types.AttributeValueMemberN{Value: strconv.Itoa(n)} }
func num64(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

// RecordRenewalRequest sets renewal_requested_at unless a request was
// recorded after notBefore.
func (s *Store) RecordRenewalRequest(ctx context.Context, tenantID, invitationID string, at, notBefore time.Time) error {
	atAV, err := attributevalue.Marshal(at)
	if err != nil {
		return err
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           aws.String(s.table),
		Key:                 keyOf(tenantPK(tenantID), invitationSK(invitationID)),
		UpdateExpression:    aws.String("SET renewal_requested_at = :at, renewal_ms = :ms"),
		ConditionExpression: aws.String("attribute_exists(PK) AND (attribute_not_exists(renewal_ms) OR renewal_ms < :since)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":at": atAV, ":ms": num64(at.UnixMilli()), ":since": num64(notBefore.UnixMilli()),
		},
	})
	if isConditionFailed(err) {
		return &partners.Error{Kind: partners.RateLimited, Message: "A new link was asked for a few minutes ago.",
			Details: map[string]any{"retry_after": int(at.Sub(notBefore).Seconds())}}
	}
	if err != nil {
		return fmt.Errorf("record renewal request on %s: %w", invitationID, err)
	}
	return nil
}

// CountUsers counts a partner's users by status, reading only their status.
func (s *Store) CountUsers(ctx context.Context, tenantID, partnerID string) (map[partners.UserStatus]int, error) {
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(tenantPK(tenantID)), ":prefix": str(userSK(partnerID, ""))},
		ProjectionExpression:      aws.String("#status"),
		ExpressionAttributeNames:  map[string]string{"#status": "status"},
		ConsistentRead:            aws.Bool(true),
	})
	counts := map[partners.UserStatus]int{partners.UserInvited: 0, partners.UserActive: 0, partners.UserDisabled: 0}
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("count users of %s: %w", partnerID, err)
		}
		for _, item := range page.Items {
			counts[partners.UserStatus(sOf(item["status"]))]++
		}
	}
	return counts, nil
}

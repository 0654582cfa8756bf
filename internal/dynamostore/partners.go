package dynamostore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

type contactRecord struct {
	FirstName string `dynamodbav:"first_name,omitempty"`
	LastName  string `dynamodbav:"last_name,omitempty"`
	Email     string `dynamodbav:"email"`
	JobTitle  string `dynamodbav:"job_title,omitempty"`
	Phone     string `dynamodbav:"phone,omitempty"`
}

type partnerRecord struct {
	keys
	Type             string             `dynamodbav:"type"`
	ID               string             `dynamodbav:"id"`
	TenantID         string             `dynamodbav:"tenant_id"`
	Name             string             `dynamodbav:"name"`
	Status           string             `dynamodbav:"status"`
	OnboardingStatus string             `dynamodbav:"onboarding_status"`
	Programs         []string           `dynamodbav:"programs,omitempty"`
	Country          string             `dynamodbav:"country,omitempty"`
	City             string             `dynamodbav:"city,omitempty"`
	LogoURL          string             `dynamodbav:"logo_url,omitempty"`
	PrimaryContact   *contactRecord     `dynamodbav:"primary_contact,omitempty"`
	PrimaryAdmin     string             `dynamodbav:"primary_admin_user_id,omitempty"`
	FormAnswers      []formAnswerRecord `dynamodbav:"form_answers,omitempty"`
	FormSubmittedAt  *time.Time         `dynamodbav:"form_submitted_at,omitempty"`
	ReviewedAt       *time.Time         `dynamodbav:"reviewed_at,omitempty"`
	RejectionReason  string             `dynamodbav:"rejection_reason,omitempty"`
	PortalAccessOff  bool               `dynamodbav:"portal_access_off,omitempty"`
	Grants           []grantRecord      `dynamodbav:"grants,omitempty"`
	CreatedAt        time.Time          `dynamodbav:"created_at"`
	UpdatedAt        time.Time          `dynamodbav:"updated_at"`
	Version          int                `dynamodbav:"version"`
	ChangedBy        *actorRecord       `dynamodbav:"changed_by,omitempty"`
}

func newPartnerRecord(p partners.Partner) partnerRecord {
	r := partnerRecord{
		keys: keys{
			PK: tenantPK(p.TenantID), SK: partnerSK(p.ID),
			GSI1PK: partnersGSI1PK(p.TenantID), GSI1SK: p.ID,
		},
		Type: TypePartner, ID: p.ID, TenantID: p.TenantID, Name: p.Name,
		Status: string(p.Status), OnboardingStatus: string(p.OnboardingStatus),
		Programs: p.Programs, Country: p.Country, City: p.City, LogoURL: p.LogoURL,
		CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt, Version: p.Version, ChangedBy: newActorRecord(p.ChangedBy),
		Grants:       newGrantRecords(p.Grants),
		PrimaryAdmin: p.PrimaryAdminUserID, FormAnswers: newAnswerRecords(p.FormAnswers),
		FormSubmittedAt: timePtr(p.FormSubmittedAt), ReviewedAt: timePtr(p.ReviewedAt), RejectionReason: p.RejectionReason, PortalAccessOff: p.PortalAccessOff,
	}
	if c := p.PrimaryContact; c != nil {
		r.PrimaryContact = &contactRecord{
			FirstName: c.FirstName, LastName: c.LastName, Email: c.Email, JobTitle: c.JobTitle, Phone: c.Phone,
		}
	}
	return r
}

func (r partnerRecord) domain() partners.Partner {
	p := partners.Partner{
		ID: r.ID, TenantID: r.TenantID, Name: r.Name,
		Status: partners.PartnerStatus(r.Status), OnboardingStatus: partners.OnboardingStatus(r.OnboardingStatus),
		Programs: r.Programs, Country: r.Country, City: r.City, LogoURL: r.LogoURL,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Version: r.Version, ChangedBy: r.ChangedBy.domain(),
		Grants:             grantsOf(r.Grants),
		PrimaryAdminUserID: r.PrimaryAdmin, FormAnswers: answersOf(r.FormAnswers),
		FormSubmittedAt: timeOf(r.FormSubmittedAt), ReviewedAt: timeOf(r.ReviewedAt), RejectionReason: r.RejectionReason, PortalAccessOff: r.PortalAccessOff,
	}
	if p.Programs == nil {
		p.Programs = []string{}
	}
	if c := r.PrimaryContact; c != nil {
		p.PrimaryContact = &partners.Contact{
			FirstName: c.FirstName, LastName: c.LastName, Email: c.Email, JobTitle: c.JobTitle, Phone: c.Phone,
		}
	}
	return p
}

// CreatePartner stores a new partner. Conflict if the id exists.
func (s *Store) CreatePartner(ctx context.Context, p partners.Partner) error {
	return s.putNew(ctx, newPartnerRecord(p), "partner")
}

// GetPartner returns a tenant's partner. The key includes the tenant, so
// another tenant's partner is simply not found.
func (s *Store) GetPartner(ctx context.Context, tenantID, partnerID string) (partners.Partner, error) {
	var r partnerRecord
	if err := s.get(ctx, tenantPK(tenantID), partnerSK(partnerID), "partner "+partnerID, &r); err != nil {
		return partners.Partner{}, err
	}
	return r.domain(), nil
}

// UpdatePartner replaces a partner if its stored version is expectedVersion.
func (s *Store) UpdatePartner(ctx context.Context, p partners.Partner, expectedVersion int) error {
	item, err := attributevalue.MarshalMap(newPartnerRecord(p))
	if err != nil {
		return fmt.Errorf("encode partner %s: %w", p.ID, err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           aws.String(s.table),
		Item:                item,
		ConditionExpression: aws.String("attribute_exists(PK) AND version = :v"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":v": &types.AttributeValueMemberN{Value: fmt.Sprint(expectedVersion)},
		},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		if ccf.Item == nil {
			return partners.Errorf(partners.NotFound, "No partner %s.", p.ID)
		}
		return partners.Errorf(partners.Conflict, "Partner %s was changed by another request.", p.ID)
	}
	if err != nil {
		return fmt.Errorf("update partner %s: %w", p.ID, err)
	}
	return nil
}

// ListPartners queries GSI1 newest first, with status and program filters.
func (s *Store) ListPartners(ctx context.Context, tenantID string, f partners.PartnerFilter, position string, limit int) ([]partners.Partner, string, error) {
	in := s.newestFirst(partnersGSI1PK(tenantID))
	var filters []string
	if f.Status != "" {
		filters = append(filters, "#status = :status")
		in.ExpressionAttributeNames = map[string]string{"#status": "status"}
		in.ExpressionAttributeValues[":status"] = str(string(f.Status))
	}
	if f.Program != "" {
		filters = append(filters, "contains(programs, :program)")
		in.ExpressionAttributeValues[":program"] = str(f.Program)
	}
	if len(filters) > 0 {
		in.FilterExpression = aws.String(strings.Join(filters, " AND "))
	}
	items, next, err := s.queryPage(ctx, pageQuery{in: in, wantPK: tenantPK(tenantID), wantGSI1PK: partnersGSI1PK(tenantID)}, position, limit)
	if err != nil {
		return nil, "", fmt.Errorf("list partners of %s: %w", tenantID, err)
	}
	out, err := decodeList[partnerRecord](items, "partners of "+tenantID)
	return out, next, err
}

// partnerOpenCheck is a transaction's check that a partner exists and
// takes people in: neither inactive, nor rejected, nor without portal
// access (Partner.closedReason).
func (s *Store) partnerOpenCheck(tenantID, partnerID string) types.TransactWriteItem {
	return types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
		TableName: aws.String(s.table), Key: keyOf(tenantPK(tenantID), partnerSK(partnerID)),
		ConditionExpression: aws.String("attribute_exists(PK) AND #status <> :inactive AND onboarding_status <> :rejected" +
			" AND (attribute_not_exists(portal_access_off) OR portal_access_off = :false)"),
		ExpressionAttributeNames: map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":inactive": str(string(partners.PartnerInactive)), ":rejected": str(string(partners.OnboardingRejected)),
			":false": &types.AttributeValueMemberBOOL{Value: false},
		},
	}}
}

package partners

import (
	"context"
	"fmt"
)

// createPartnerInvitingContact creates a partner and invites its primary
// contact as its first admin in one write: if the contact's email belongs
// to another partner, nothing is created (Conflict).
func (s *Service) createPartnerInvitingContact(ctx context.Context, caller Principal, p Partner, sendEmail bool, template string) (CreatedPartner, error) {
	st, err := s.Settings.GetSettings(ctx, caller.TenantID)
	if err != nil {
		return CreatedPartner{}, fmt.Errorf("get settings: %w", err)
	}
	var fe fieldErrors
	checkTemplateChoice(&fe, "template", &template, st)
	if err := fe.err(); err != nil {
		return CreatedPartner{}, err
	}
	ic := contactInvite(caller, p, st)
	if err := p.inviteRefusal(); err != nil {
		return CreatedPartner{}, err
	}
	c := p.PrimaryContact
	in := InviteInput{
		Email: c.Email, FirstName: c.FirstName, LastName: c.LastName, Phone: c.Phone, JobTitle: c.JobTitle,
		Role: st.PrimaryContactRole(), SendEmail: sendEmail, Template: template,
	}
	claim, claimed, err := s.readClaim(ctx, caller.TenantID, NormalizeEmail(c.Email))
	switch {
	case err != nil:
		return CreatedPartner{}, err
	case claimed:
		return CreatedPartner{}, s.claimedElsewhere(ctx, ic, c.Email, claim)
	}
	n := s.newInvitation(ic, in, nil)
	p.PrimaryAdminUserID = n.User.ID
	token, tok := s.issue(&n.Invitation, ic, in)
	n.Token = tok
	release, err := s.reserveFor(ctx, ic, in)
	if err != nil {
		return CreatedPartner{}, err
	}
	err = s.Invitations.CreatePartnerWithInvitation(ctx, p, n)
	if err != nil {
		release()
	}
	switch {
	case isConflict(err, ConflictEmailClaimed):
		if claim, claimed, err := s.readClaim(ctx, caller.TenantID, NormalizeEmail(c.Email)); err == nil && claimed {
			return CreatedPartner{}, s.claimedElsewhere(ctx, ic, c.Email, claim)
		}
		return CreatedPartner{}, Errorf(Conflict, "%s was just claimed by another request; retry.", c.Email)
	case isConflict(err, ConflictConcurrentWrite, ConflictUserChanged, ConflictItemExists, ConflictPartnerExists):
		err = fmt.Errorf("%w: %w", Errorf(Conflict, "The invitation conflicts with a concurrent change."), err)
	}
	if err != nil {
		return CreatedPartner{}, fmt.Errorf("create partner: %w", err)
	}
	res := s.result(OutcomeCreated, n.Invitation, n.User, in, token)
	return CreatedPartner{Partner: p, Invitation: &res}, nil
}

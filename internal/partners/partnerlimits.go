package partners

// What a partner's admin may not ask for. The tenant's API takes these
// options because the tenant answers for them; a partner admin does not:
// it may not vouch for an address it never proved (email_verified), take
// the link instead of mailing it (and so accept for someone else), mail an
// address that bounced or complained (force), send people elsewhere after
// they join (redirect_url), speak as someone else (inviter_name), or make
// a link live longer than the tenant's lifetime.

// partnerInviteRefusal refuses the options a partner admin may not use on
// an invite.
func partnerInviteRefusal(in InviteInput) error {
	var fe fieldErrors
	if !in.SendEmail {
		fe.add("send_email", "not_allowed", "A partner admin's invitations are emailed: send_email cannot be false.")
	}
	if in.EmailVerified {
		fe.add("email_verified", "not_allowed", "Only the tenant can vouch for an address.")
	}
	if in.RedirectURL != "" {
		fe.add("redirect_url", "not_allowed", "Only the tenant sets where people go after they join.")
	}
	if in.InviterName != "" {
		fe.add("inviter_name", "not_allowed", "A partner admin's invitations name the tenant.")
	}
	if in.ExpiresInHours != 0 {
		fe.add("expires_in_hours", "not_allowed", "A partner admin's invitations live as long as the tenant's settings say.")
	}
	return fe.err()
}

// partnerResendRefusal refuses the options a partner admin may not use on
// a resend.
func partnerResendRefusal(in ResendInput) error {
	var fe fieldErrors
	if !in.SendEmail {
		fe.add("send_email", "not_allowed", "A partner admin's invitations are emailed: send_email cannot be false.")
	}
	if in.EmailVerified {
		fe.add("email_verified", "not_allowed", "Only the tenant can vouch for an address.")
	}
	if in.Force {
		fe.add("force", "not_allowed", "Only the tenant can mail an address that bounced or complained.")
	}
	if in.ExpiresInHours != 0 {
		fe.add("expires_in_hours", "not_allowed", "A partner admin's invitations live as long as the tenant's settings say.")
	}
	return fe.err()
}

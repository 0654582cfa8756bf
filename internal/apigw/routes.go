// Package apigw is the API Gateway (HTTP API, payload 2.0) adapter: the route
// table, the Lambda handlers of the tenant API and of the API-key authorizer,
// request decoding and problem+json errors.
//
// The route table is the single source for the CDK stack, the local gateway,
// the API docs and the tenant-isolation tests.
package apigw

import (
	"fmt"
	"strings"
	"time"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// Auth is how a route authenticates its caller.
type Auth string

// The ways a route authenticates.
const (
	// AuthAPIKey routes sit behind the Lambda authorizer; the handler sees the
	// tenant and role it put in the request context.
	AuthAPIKey Auth = "api_key"
	// AuthNone routes are public (activation pages: the token is the credential).
	AuthNone Auth = "none"
	// AuthPartnerToken routes (/v1/partner/…) are a partner user's own: no
	// API Gateway authorizer; the handler verifies the Cognito ID token
	// (Authorization: Bearer <ID token>) and reads the membership live.
	AuthPartnerToken Auth = "partner_token"
)

// Route maps an HTTP route to the Lambda function that serves it.
type Route struct {
	Method   string
	Path     string // API Gateway syntax: /v1/partners/{id}
	Function string // the function's name, also its folder under functions/
	Auth     Auth
	// Permission is what an AuthAPIKey route's key must be allowed; it is
	// checked before anything else, an Idempotency-Key replay included.
	Permission partners.Permission
	Summary    string
}

// Key is the route key as API Gateway writes it: "POST /v1/partners".
func (r Route) Key() string { return r.Method + " " + r.Path }

// Routes are the HTTP routes of the product.
var Routes = []Route{
	{Method: "POST", Path: "/v1/partners", Function: "create-partner", Auth: AuthAPIKey, Permission: partners.PermWritePartners, Summary: "Create a partner organisation."},
	{Method: "GET", Path: "/v1/partners", Function: "list-partners", Auth: AuthAPIKey, Permission: partners.PermRead, Summary: "List partners, newest first; filter by status and program."},
	{Method: "GET", Path: "/v1/partners/{id}", Function: "get-partner", Auth: AuthAPIKey, Permission: partners.PermRead, Summary: "Get one partner."},
	{Method: "PATCH", Path: "/v1/partners/{id}", Function: "update-partner", Auth: AuthAPIKey, Permission: partners.PermWritePartners, Summary: "Change some fields of a partner."},
	{Method: "PUT", Path: "/v1/partners/{id}/grants", Function: "set-partner-grants", Auth: AuthAPIKey, Permission: partners.PermWritePartners, Summary: "Replace what is shared with a partner: its grants, in its people's ID tokens."},
	{Method: "POST", Path: "/v1/partners/{id}/approve", Function: "review-partner", Auth: AuthAPIKey, Permission: partners.PermWritePartners, Summary: "Approve a partner that is pending or in review (partner.approved)."},
	{Method: "POST", Path: "/v1/partners/{id}/reject", Function: "review-partner", Auth: AuthAPIKey, Permission: partners.PermWritePartners, Summary: "Reject a partner that is pending or in review, with a reason its people are shown (partner.rejected)."},
	{Method: "POST", Path: "/v1/partners/{id}/users", Function: "invite-partner-user", Auth: AuthAPIKey, Permission: partners.PermInvite, Summary: "Add one person to a partner and invite them (or return the link)."},
	{Method: "GET", Path: "/v1/partners/{id}/users", Function: "list-partner-users", Auth: AuthAPIKey, Permission: partners.PermRead, Summary: "List a partner's users with their status."},
	{Method: "PATCH", Path: "/v1/partners/{id}/users/{uid}", Function: "update-partner-user", Auth: AuthAPIKey, Permission: partners.PermInvite, Summary: "Turn a user's portal access off or on (the login too, when it has no other membership), or change their role."},
	{Method: "DELETE", Path: "/v1/partners/{id}/users/{uid}", Function: "remove-partner-user", Auth: AuthAPIKey, Permission: partners.PermInvite, Summary: "Remove a user: the membership ends, the email is free for any partner, the audit trail stays."},
	{Method: "POST", Path: "/v1/partners/{id}/users/{uid}/move", Function: "move-partner-user", Auth: AuthAPIKey, Permission: partners.PermInvite, Summary: "Move a user, with its login and membership, to another partner of the tenant."},
	{Method: "POST", Path: "/v1/partners/{id}/invitations", Function: "invite-partner-users", Auth: AuthAPIKey, Permission: partners.PermInvite, Summary: "Invite many people: a list or a pasted string; one result per address."},
	{Method: "POST", Path: "/v1/partners/{id}/invitations/import", Function: "import-invitations", Auth: AuthAPIKey, Permission: partners.PermInvite, Summary: "Invite the people of a CSV file; one result per row; dry_run to check."},
	{Method: "GET", Path: "/v1/imports/{id}", Function: "get-import", Auth: AuthAPIKey, Permission: partners.PermRead, Summary: "An import job's progress and per-row results."},
	{Method: "GET", Path: "/v1/invitations/sample.csv", Function: "get-invitations-sample", Auth: AuthAPIKey, Permission: partners.PermRead, Summary: "The sample CSV for imports."},
	{Method: "GET", Path: "/v1/invitations", Function: "list-invitations", Auth: AuthAPIKey, Permission: partners.PermRead, Summary: "List invitations, newest first; filter by status, partner, email."},
	{Method: "GET", Path: "/v1/invitations/{id}", Function: "get-invitation", Auth: AuthAPIKey, Permission: partners.PermRead, Summary: "Get one invitation with its delivery status."},
	{Method: "POST", Path: "/v1/invitations/{id}/resend", Function: "resend-invitation", Auth: AuthAPIKey, Permission: partners.PermInvite, Summary: "New link and lifetime, new email; the old link dies (5 an hour)."},
	{Method: "POST", Path: "/v1/invitations/{id}/revoke", Function: "revoke-invitation", Auth: AuthAPIKey, Permission: partners.PermInvite, Summary: "Kill a pending invitation's link."},
	{Method: "GET", Path: "/v1/settings", Function: "get-settings", Auth: AuthAPIKey, Permission: partners.PermRead, Summary: "Invite lifetime, roles, branding, email templates."},
	{Method: "PUT", Path: "/v1/settings", Function: "update-settings", Auth: AuthAPIKey, Permission: partners.PermManageSettings, Summary: "Replace the settings (admin keys); templates are checked on save."},
	{Method: "GET", Path: "/activate/{token}", Function: "activation-page", Auth: AuthNone, Summary: "The page of an activation link: who invited you to what; never changes state."},
	{Method: "HEAD", Path: "/activate/{token}", Function: "activation-page", Auth: AuthNone, Summary: "As GET, without the body (mail scanners)."},
	{Method: "POST", Path: "/activate/{token}", Function: "accept-activation", Auth: AuthNone, Summary: "The page's form: set a password (or sign in) and accept."},
	{Method: "POST", Path: "/activate/{token}/renew", Function: "renew-activation", Auth: AuthNone, Summary: "An expired link's \"send me a new link\" (rate-limited)."},
	{Method: "GET", Path: "/activate/{token}/decline", Function: "decline-activation", Auth: AuthNone, Summary: "\"This isn't for me\": what declining means, and its button; never changes state."},
	{Method: "HEAD", Path: "/activate/{token}/decline", Function: "decline-activation", Auth: AuthNone, Summary: "As GET, without the body (mail scanners)."},
	{Method: "POST", Path: "/activate/{token}/decline", Function: "decline-activation", Auth: AuthNone, Summary: "The decline button: the invitation is declined and its link dies."},
	{Method: "POST", Path: "/activate/{token}/form", Function: "partner-form", Auth: AuthNone, Summary: "The partner form after activation: sign in again (the used link names the person), then submit the answers."},
	{Method: "GET", Path: "/forgot-password/{tenant_id}", Function: "forgot-password", Auth: AuthNone, Summary: "A tenant's \"Forgot your password?\" page for partner logins: asks for the email; never changes state."},
	{Method: "HEAD", Path: "/forgot-password/{tenant_id}", Function: "forgot-password", Auth: AuthNone, Summary: "As GET, without the body."},
	{Method: "POST", Path: "/forgot-password/{tenant_id}", Function: "forgot-password", Auth: AuthNone, Summary: "Ask for a reset link: the same answer whether or not the email has a login (rate-limited)."},
	{Method: "GET", Path: "/reset-password/{token}", Function: "reset-password", Auth: AuthNone, Summary: "The page of a password reset link: the new-password form; never changes state."},
	{Method: "HEAD", Path: "/reset-password/{token}", Function: "reset-password", Auth: AuthNone, Summary: "As GET, without the body (mail scanners)."},
	{Method: "POST", Path: "/reset-password/{token}", Function: "reset-password", Auth: AuthNone, Summary: "The form: set the new password; the link dies (single use, 1 hour)."},
	{Method: "POST", Path: "/v1/activations", Function: "create-activation", Auth: AuthNone, Summary: "Accept as JSON, for tenants who host their own page; the token is the credential."},
	{Method: "GET", Path: "/v1/memberships/{sub}", Function: "list-memberships", Auth: AuthAPIKey, Permission: partners.PermRead, Summary: "What a login may reach in this tenant, and how it signs in."},
	{Method: "GET", Path: "/v1/events", Function: "list-events", Auth: AuthAPIKey, Permission: partners.PermRead, Summary: "The audit trail: the tenant's events, newest first; filter by type, partner, subject, time."},
	{Method: "POST", Path: "/v1/webhook-endpoints", Function: "create-webhook-endpoint", Auth: AuthAPIKey, Permission: partners.PermManageSettings, Summary: "Add a webhook endpoint (https URL, event types or *); its secret is shown once."},
	{Method: "GET", Path: "/v1/webhook-endpoints", Function: "list-webhook-endpoints", Auth: AuthAPIKey, Permission: partners.PermRead, Summary: "The tenant's webhook endpoints (never their secrets)."},
	{Method: "GET", Path: "/v1/webhook-endpoints/{id}", Function: "get-webhook-endpoint", Auth: AuthAPIKey, Permission: partners.PermRead, Summary: "One webhook endpoint: URL, types, disabled or failing."},
	{Method: "PATCH", Path: "/v1/webhook-endpoints/{id}", Function: "update-webhook-endpoint", Auth: AuthAPIKey, Permission: partners.PermManageSettings, Summary: "Change an endpoint's URL, types or description; disable or re-enable it."},
	{Method: "DELETE", Path: "/v1/webhook-endpoints/{id}", Function: "delete-webhook-endpoint", Auth: AuthAPIKey, Permission: partners.PermManageSettings, Summary: "Remove a webhook endpoint; its pending deliveries end failed."},
	{Method: "POST", Path: "/v1/webhook-endpoints/{id}/rotate-secret", Function: "rotate-webhook-secret", Auth: AuthAPIKey, Permission: partners.PermManageSettings, Summary: "A new secret, shown once; the old one still signs for 24 h."},
	{Method: "GET", Path: "/v1/webhook-endpoints/{id}/deliveries", Function: "list-webhook-deliveries", Auth: AuthAPIKey, Permission: partners.PermRead, Summary: "An endpoint's deliveries, newest first: status, response code, attempts, next attempt."},
	{Method: "POST", Path: "/v1/webhook-endpoints/{id}/deliveries/{delivery_id}/retry", Function: "retry-webhook-delivery", Auth: AuthAPIKey, Permission: partners.PermManageSettings, Summary: "Attempt a delivery again now, with a new 3-day window."},
	{Method: "GET", Path: "/v1/identity", Function: "get-identity", Auth: AuthAPIKey, Permission: partners.PermRead, Summary: "The tenant's own login pool: pool and client ids, issuer, JWKS URL."},
	{Method: "GET", Path: "/v1/partner", Function: "partner-get", Auth: AuthPartnerToken, Permission: partners.PermRead, Summary: "A partner user's own partner: its profile, onboarding and answers, the tenant's partner form."},
	{Method: "PUT", Path: "/v1/partner/answers", Function: "partner-submit-answers", Auth: AuthPartnerToken, Permission: partners.PermInvite, Summary: "A partner admin submits the partner form as JSON (what the page after activation posts)."},
	{Method: "GET", Path: "/v1/partner/users", Function: "partner-list-users", Auth: AuthPartnerToken, Permission: partners.PermRead, Summary: "A partner user's own partner: its users (any role)."},
	{Method: "POST", Path: "/v1/partner/users", Function: "partner-invite-user", Auth: AuthPartnerToken, Permission: partners.PermInvite, Summary: "A partner admin invites one person into its own partner."},
	{Method: "GET", Path: "/v1/partner/invitations", Function: "partner-list-invitations", Auth: AuthPartnerToken, Permission: partners.PermRead, Summary: "A partner user's own partner: its invitations (any role)."},
	{Method: "POST", Path: "/v1/partner/invitations/{id}/resend", Function: "partner-resend-invitation", Auth: AuthPartnerToken, Permission: partners.PermInvite, Summary: "A partner admin resends one of its partner's invitations."},
	{Method: "POST", Path: "/v1/partner/invitations/{id}/revoke", Function: "partner-revoke-invitation", Auth: AuthPartnerToken, Permission: partners.PermInvite, Summary: "A partner admin revokes one of its partner's invitations."},
}

// routeByKey finds a route by its key ("POST /v1/partners").
func routeByKey(key string) (Route, bool) {
	for _, r := range Routes {
		if r.Key() == key {
			return r, true
		}
	}
	return Route{}, false
}

// AuthorizerFunction is the Lambda authorizer in front of AuthAPIKey routes.
const AuthorizerFunction = "authorizer"

// Trigger is a function that no HTTP route calls directly.
type Trigger struct {
	Function string
	Source   string // what invokes it
	Summary  string
}

// SendInvitationEmailFunction consumes the table's stream: the email outbox.
const SendInvitationEmailFunction = "send-invitation-email"

// ProcessImportFunction consumes the table's stream: it invites the rows of
// each queued import chunk.
const ProcessImportFunction = "process-import"

// PublishEventsFunction consumes the table's stream: it turns each committed
// change into its events.
const PublishEventsFunction = "publish-events"

// ExpireInvitationsFunction runs on a schedule: it marks overdue
// invitations expired.
const ExpireInvitationsFunction = "expire-invitations"

// ExpirySchedule is how often it runs.
const ExpirySchedule = 15 * time.Minute

// DeliverWebhooksFunction sends the webhooks: woken by the event publisher
// for new deliveries, run every minute by a schedule for the retries.
const DeliverWebhooksFunction = "deliver-webhooks"

// RecordEmailEventFunction applies SES's events (delivery, bounce,
// complaint, reject) to the invitations whose emails they are about.
const RecordEmailEventFunction = "record-email-event"

// IssueTokenClaimsFunction is every tenant pool's pre-token-generation
// trigger: it adds the login's memberships and grants to its ID token, and
// refuses tokens to a login with no active membership.
const IssueTokenClaimsFunction = "issue-token-claims"

// Triggers are the functions invoked by something other than a route.
var Triggers = []Trigger{
	{Function: AuthorizerFunction, Source: "API Gateway Lambda authorizer", Summary: "Turns an API key into the tenant and role of the request."},
	{Function: SendInvitationEmailFunction, Source: "DynamoDB stream of the table", Summary: "Sends the email of each newly queued invitation, and of each password reset request with an active login, through SES, with retries."},
	{Function: ProcessImportFunction, Source: "DynamoDB stream of the table", Summary: "Invites the rows of each queued chunk of a CSV import job."},
	{Function: ExpireInvitationsFunction, Source: "EventBridge Scheduler, every 15 minutes", Summary: "Marks pending invitations past their expiry expired (invitation.expired), to be purged after the tenant's retention."},
	{Function: PublishEventsFunction, Source: "DynamoDB stream of the table", Summary: "Turns each change of a partner, partner user or invitation into its events: the audit trail, the bus, the webhooks."},
	{Function: DeliverWebhooksFunction, Source: "EventBridge Scheduler (every minute), and asynchronous invocations by publish-events and retry-webhook-delivery", Summary: "Sends due webhook deliveries, signed, with retries for 3 days."},
	{Function: RecordEmailEventFunction, Source: "EventBridge rule on SES's events of the configuration set (default bus)", Summary: "Records SES's delivery, bounce, complaint and reject reports on the invitation (invitation.bounced, invitation.complained, invitation.delivery_failed) and flags an address that bounced for good."},
	{Function: IssueTokenClaimsFunction, Source: "Cognito pre-token-generation trigger of every tenant's user pool", Summary: "Adds the login's membership (tenant, partner, role) and its partner's grants to the ID token; no active membership, no tokens."},
}

// Functions returns the names of every function: routes' and triggers'.
func Functions() []string {
	var names []string
	seen := map[string]bool{}
	for _, t := range Triggers {
		if !seen[t.Function] {
			seen[t.Function] = true
			names = append(names, t.Function)
		}
	}
	for _, r := range Routes {
		if !seen[r.Function] {
			seen[r.Function] = true
			names = append(names, r.Function)
		}
	}
	return names
}

// RoutesMarkdown renders the route table for docs/api.md, where a test
// keeps it in step with Routes.
func RoutesMarkdown() string {
	var b strings.Builder
	b.WriteString("| method | path | auth | function | what |\n|---|---|---|---|---|\n")
	for _, r := range Routes {
		auth := "API key: " + string(r.Permission)
		switch r.Auth {
		case AuthNone:
			auth = "public"
		case AuthPartnerToken:
			auth = "partner ID token: " + string(r.Permission)
		}
		fmt.Fprintf(&b, "| `%s` | `%s` | %s | `%s` | %s |\n", r.Method, r.Path, auth, r.Function, r.Summary)
	}
	return b.String()
}

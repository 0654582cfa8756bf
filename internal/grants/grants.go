// Package grants is what each function may call: its environment variables
// and the exact AWS actions its code paths use. The CDK stack grants exactly
// these (infra/needs.go), and the tests record every call each function
// makes on the emulators and fail on one it has no grant for.
package grants

import (
	"sort"
	"time"

	"github.com/partnerinvites/partnerinvites/internal/apigw"
)

// Need is what one function uses, read off the code paths of its handler.
type Need struct {
	Summary  string
	Env      []string
	DynamoDB []string // actions on the table and its indexes
	Cognito  []string // actions on the tenants' user pools (userpool/* of this account and region)
	SES      bool     // ses:SendEmail with the configuration set
	Events   bool     // events:PutEvents on the stack's bus
	// WakesSender: lambda:InvokeFunction on deliver-webhooks (an
	// asynchronous invocation for new or retried deliveries).
	WakesSender bool
	Heavy       bool // imports: more memory and time
}

// Of returns a function's needs, with what every API-key route adds (its
// tenant's request-rate count); false for a function with no entry.
func Of(function string) (Need, bool) {
	n, ok := needs[function]
	if !ok {
		return Need{}, false
	}
	for _, r := range apigw.Routes {
		if r.Function == function && r.Auth == apigw.AuthAPIKey {
			n.DynamoDB = join(n.DynamoDB, []string{"dynamodb:UpdateItem"})
			break
		}
	}
	return n, true
}

// StackVariable reports whether the stack gives some function the variable.
func StackVariable(name string) bool {
	for _, n := range needs {
		for _, v := range n.Env {
			if v == name {
				return true
			}
		}
	}
	return false
}

// Timeout is the function's timeout: the import worker's is long, every
// other function's is API Gateway's integration limit.
func (n Need) Timeout() time.Duration {
	if n.Heavy {
		return 300 * time.Second
	}
	return 29 * time.Second
}

// Actions returns every IAM action a function may call, sorted.
func (n Need) Actions() []string {
	actions := join(n.DynamoDB, n.Cognito)
	if n.SES {
		actions = append(actions, "ses:SendEmail")
	}
	if n.Events {
		actions = append(actions, "events:PutEvents")
	}
	if n.WakesSender {
		actions = append(actions, "lambda:InvokeFunction")
	}
	sort.Strings(actions)
	return actions
}

var (
	base = []string{"TABLE_NAME", "ACTIVATION_BASE_URL"}
	// sealing is base and SECRET_KEY (with SECRET_KEY_PREVIOUS, set during a
	// rotation): for the functions that seal or open
	// (cursors, links on their way to the sender, stored responses, import
	// results) or sign (the activation form). The others never get it.
	sealing    = append(append([]string{}, base...), "SECRET_KEY")
	idempotent = []string{"dynamodb:PutItem", "dynamodb:DeleteItem"} // the Idempotency-Key record
	read       = []string{"dynamodb:GetItem"}
	query      = []string{"dynamodb:Query"}
	rate       = []string{"dynamodb:UpdateItem"} // the tenant's request-rate count
	// passwordGuard counts wrong passwords (a conditional update, or a put
	// that starts a new window).
	passwordGuard = []string{"dynamodb:UpdateItem", "dynamodb:PutItem"}
	invite        = []string{"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:TransactWriteItems", "dynamodb:UpdateItem"} // UpdateItem: the send limits' counts
)

func join(lists ...[]string) []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range lists {
		for _, a := range l {
			if !seen[a] {
				seen[a] = true
				out = append(out, a)
			}
		}
	}
	return out
}

// needs lists every function of apigw.Functions(); the stack refuses to
// build one that is missing.
var needs = map[string]Need{
	"authorizer":            {Summary: "API key authorizer", Env: base, DynamoDB: read},
	"send-invitation-email": {Summary: "Invitation email sender (stream)", Env: append(append([]string{}, sealing...), "SENDER_EMAIL", "SES_CONFIGURATION_SET"), DynamoDB: join(read, query, []string{"dynamodb:UpdateItem", "dynamodb:TransactWriteItems"}), SES: true}, // Query, TransactWriteItems: password resets (a login's memberships, the link)
	"process-import":        {Summary: "CSV import worker (stream)", Env: sealing, DynamoDB: join(invite, []string{"dynamodb:UpdateItem"}), Heavy: true},
	"create-partner":        {Summary: "POST /v1/partners", Env: sealing, DynamoDB: join(read, idempotent, []string{"dynamodb:TransactWriteItems", "dynamodb:UpdateItem"})},
	"list-partners":         {Summary: "GET /v1/partners", Env: sealing, DynamoDB: query},
	"get-partner":           {Summary: "GET /v1/partners/{id}", Env: base, DynamoDB: join(read, query, []string{"dynamodb:BatchGetItem"})}, // BatchGetItem: the invited users' latest invitations
	// Granting portal access invites the primary contact: the invite's writes, and its sealed token.
	"update-partner":         {Summary: "PATCH /v1/partners/{id}", Env: sealing, DynamoDB: join(read, invite, []string{"dynamodb:PutItem"})},
	"set-partner-grants":     {Summary: "PUT /v1/partners/{id}/grants", Env: base, DynamoDB: join(read, []string{"dynamodb:PutItem"})},
	"invite-partner-user":    {Summary: "POST /v1/partners/{id}/users", Env: sealing, DynamoDB: join(invite, idempotent)},
	"list-partner-users":     {Summary: "GET /v1/partners/{id}/users", Env: sealing, DynamoDB: join(read, query)},
	"invite-partner-users":   {Summary: "POST /v1/partners/{id}/invitations", Env: sealing, DynamoDB: join(invite, idempotent)},
	"import-invitations":     {Summary: "POST /v1/partners/{id}/invitations/import", Env: sealing, DynamoDB: join(invite, idempotent, []string{"dynamodb:BatchWriteItem"}), Heavy: true},
	"get-import":             {Summary: "GET /v1/imports/{id}", Env: sealing, DynamoDB: join(read, query, []string{"dynamodb:UpdateItem"})},
	"get-invitations-sample": {Summary: "GET /v1/invitations/sample.csv", Env: base, DynamoDB: read},
	"list-invitations":       {Summary: "GET /v1/invitations", Env: sealing, DynamoDB: query},
	"get-invitation":         {Summary: "GET /v1/invitations/{id}", Env: base, DynamoDB: read},
	"resend-invitation":      {Summary: "POST /v1/invitations/{id}/resend", Env: sealing, DynamoDB: join(invite, idempotent)},
	"revoke-invitation":      {Summary: "POST /v1/invitations/{id}/revoke", Env: sealing, DynamoDB: join(read, idempotent, []string{"dynamodb:UpdateItem"})},
	"get-settings":           {Summary: "GET /v1/settings", Env: base, DynamoDB: read},
	"update-settings":        {Summary: "PUT /v1/settings", Env: base, DynamoDB: []string{"dynamodb:PutItem"}},
	"activation-page":        {Summary: "GET/HEAD /activate/{token}", Env: sealing, DynamoDB: read, Cognito: []string{"cognito-idp:AdminGetUser"}},
	"accept-activation":      {Summary: "POST /activate/{token}", Env: sealing, DynamoDB: join(read, passwordGuard, []string{"dynamodb:TransactWriteItems"}), Cognito: acceptCognito},
	"decline-activation":     {Summary: "GET/HEAD/POST /activate/{token}/decline", Env: sealing, DynamoDB: join(read, []string{"dynamodb:UpdateItem"})},
	"partner-form":           {Summary: "POST /activate/{token}/form", Env: sealing, DynamoDB: join(read, passwordGuard), Cognito: []string{"cognito-idp:AdminGetUser", "cognito-idp:AdminInitiateAuth"}},
	// Access: the user, its membership (and a pending invitation's role) in
	// one transaction; the login follows.
	"update-partner-user": {Summary: "PATCH /v1/partners/{id}/users/{uid}", Env: base, DynamoDB: join(read, query, []string{"dynamodb:TransactWriteItems"}),
		Cognito: []string{"cognito-idp:AdminEnableUser", "cognito-idp:AdminDisableUser", "cognito-idp:AdminUserGlobalSignOut"}},
	"remove-partner-user": {Summary: "DELETE /v1/partners/{id}/users/{uid}", Env: base, DynamoDB: join(read, query, []string{"dynamodb:TransactWriteItems", "dynamodb:UpdateItem", "dynamodb:PutItem"}),
		Cognito: []string{"cognito-idp:AdminEnableUser", "cognito-idp:AdminDisableUser", "cognito-idp:AdminUserGlobalSignOut"}},
	"move-partner-user": {Summary: "POST /v1/partners/{id}/users/{uid}/move", Env: sealing, DynamoDB: join(read, idempotent, []string{"dynamodb:TransactWriteItems"}),
		Cognito: []string{"cognito-idp:AdminUserGlobalSignOut"}},
	"review-partner":   {Summary: "POST /v1/partners/{id}/approve and /reject", Env: sealing, DynamoDB: join(read, idempotent, []string{"dynamodb:PutItem"})},
	"renew-activation": {Summary: "POST /activate/{token}/renew", Env: sealing, DynamoDB: join(read, []string{"dynamodb:UpdateItem", "dynamodb:TransactWriteItems"})},
	// The reset request reads the tenant and its settings, counts (UpdateItem)
	// and queues (UpdateItem); no secret: its form has no CSRF token.
	"forgot-password": {Summary: "GET/HEAD/POST /forgot-password/{tenant_id}", Env: base, DynamoDB: join(read, []string{"dynamodb:UpdateItem"})},
	// The reset link: reads, the claim on its membership (Query), the
	// lease (UpdateItem), the use with the user's stamp (TransactWriteItems).
	"reset-password": {Summary: "GET/HEAD/POST /reset-password/{token}", Env: sealing, DynamoDB: join(read, query, []string{"dynamodb:UpdateItem", "dynamodb:TransactWriteItems"}),
		Cognito: []string{"cognito-idp:AdminSetUserPassword", "cognito-idp:AdminUserGlobalSignOut"}},
	"create-activation":  {Summary: "POST /v1/activations", Env: base, DynamoDB: join(read, passwordGuard, []string{"dynamodb:TransactWriteItems"}), Cognito: acceptCognito},
	"list-memberships":   {Summary: "GET /v1/memberships/{sub}", Env: base, DynamoDB: join(read, query)},
	"get-identity":       {Summary: "GET /v1/identity", Env: base, DynamoDB: read},
	"expire-invitations": {Summary: "Expiry schedule", Env: base, DynamoDB: join(read, query, []string{"dynamodb:UpdateItem"})},
	"list-events":        {Summary: "GET /v1/events", Env: sealing, DynamoDB: query},
	"publish-events": {Summary: "Event publisher (stream)", Env: append(append([]string{}, base...), "EVENT_BUS_NAME", "WEBHOOK_SENDER_FUNCTION"),
		// Query: the tenant's webhook endpoints; TransactWriteItems: a purged
		// invitation's user and claim; GetItem and PutItem: a prospect
		// partner made active with its first activated person.
		DynamoDB: []string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:TransactWriteItems"}, Events: true, WakesSender: true},
	"create-webhook-endpoint": {Summary: "POST /v1/webhook-endpoints", Env: sealing, DynamoDB: join(read, query, idempotent)},
	"list-webhook-endpoints":  {Summary: "GET /v1/webhook-endpoints", Env: base, DynamoDB: query},
	"get-webhook-endpoint":    {Summary: "GET /v1/webhook-endpoints/{id}", Env: base, DynamoDB: read},
	"update-webhook-endpoint": {Summary: "PATCH /v1/webhook-endpoints/{id}", Env: base, DynamoDB: join(read, []string{"dynamodb:PutItem"})},
	"delete-webhook-endpoint": {Summary: "DELETE /v1/webhook-endpoints/{id}", Env: base, DynamoDB: join(read, []string{"dynamodb:DeleteItem"})},
	"rotate-webhook-secret":   {Summary: "POST /v1/webhook-endpoints/{id}/rotate-secret", Env: sealing, DynamoDB: join(read, idempotent)},
	"list-webhook-deliveries": {Summary: "GET /v1/webhook-endpoints/{id}/deliveries", Env: sealing, DynamoDB: join(read, query)},
	"retry-webhook-delivery": {Summary: "POST /v1/webhook-endpoints/{id}/deliveries/{delivery_id}/retry", Env: append(append([]string{}, base...), "WEBHOOK_SENDER_FUNCTION"),
		DynamoDB: join(read, idempotent, []string{"dynamodb:UpdateItem"}), WakesSender: true},
	// The sender opens the endpoints' sealed secrets; UpdateItem claims and
	// marks, PutItem records an attempt, Query reads the due queue.
	"deliver-webhooks": {Summary: "Webhook sender (schedule and wakes)", Env: sealing, DynamoDB: join(read, query, []string{"dynamodb:UpdateItem", "dynamodb:PutItem"})},
	// SES's events: reads the invitation and its user, updates the
	// delivery alone, or with the user's address flags in a transaction.
	// The partner routes: their tenant counterparts' needs, the pool entry
	// and the membership (GetItem, Query) of the ID token, and the tenant's
	// request rate (UpdateItem).
	"partner-get":               {Summary: "GET /v1/partner", Env: base, DynamoDB: join(read, query, rate)},
	"partner-submit-answers":    {Summary: "PUT /v1/partner/answers", Env: base, DynamoDB: join(read, query, rate, []string{"dynamodb:PutItem"})},
	"partner-list-users":        {Summary: "GET /v1/partner/users", Env: sealing, DynamoDB: join(read, query, rate)},
	"partner-invite-user":       {Summary: "POST /v1/partner/users", Env: sealing, DynamoDB: join(invite, idempotent, query)},
	"partner-list-invitations":  {Summary: "GET /v1/partner/invitations", Env: sealing, DynamoDB: join(read, query, rate)},
	"partner-resend-invitation": {Summary: "POST /v1/partner/invitations/{id}/resend", Env: sealing, DynamoDB: join(invite, idempotent, query)},
	"partner-revoke-invitation": {Summary: "POST /v1/partner/invitations/{id}/revoke", Env: sealing, DynamoDB: join(read, idempotent, query, rate)},
	// The token trigger: the pool's entry and the partners (GetItem), the
	// login's memberships (Query).
	"issue-token-claims": {Summary: "Cognito pre-token-generation trigger", Env: base, DynamoDB: join(read, query)},
	"record-email-event": {Summary: "SES event recorder (EventBridge rule)", Env: base, DynamoDB: join(read, []string{"dynamodb:UpdateItem", "dynamodb:TransactWriteItems"})},
}

var acceptCognito = []string{
	"cognito-idp:AdminGetUser", "cognito-idp:AdminCreateUser", "cognito-idp:AdminSetUserPassword",
	"cognito-idp:AdminInitiateAuth", "cognito-idp:AdminUpdateUserAttributes", "cognito-idp:AdminEnableUser",
}

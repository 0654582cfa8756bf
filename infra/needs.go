package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"
)

// need is what one function uses: its variables and the actions it calls,
// read off the code paths of its handler. Grants are exactly these actions
// on exactly these resources: no wildcard actions, no managed policies.
type need struct {
	summary string
	env     []string
	dynamo  []string // actions on the table and its indexes
	cognito []string // actions on the tenants' user pools (userpool/* of this account and region)
	ses     bool     // ses:SendEmail with the configuration set
	heavy   bool     // imports: more memory and time
	// tenantRoute is set (by the stack, from the route table) for functions
	// behind the API-key authorizer: they count each tenant's requests.
	tenantRoute bool
}

func (n need) memory() float64 {
	if n.heavy {
		return 1024
	}
	return 256
}

func (n need) timeout() float64 {
	if n.heavy {
		return 300 // the import worker; API routes are cut at 29 s anyway
	}
	return 29
}

var (
	base       = []string{"TABLE_NAME", "SECRET_KEY", "ACTIVATION_BASE_URL"}
	idempotent = []string{"dynamodb:PutItem", "dynamodb:DeleteItem"} // the Idempotency-Key record
	read       = []string{"dynamodb:GetItem"}
	query      = []string{"dynamodb:Query"}
	invite     = []string{"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:TransactWriteItems", "dynamodb:UpdateItem"} // UpdateItem: the send limits' counts
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
var needs = map[string]need{
	"authorizer":             {summary: "API key authorizer", env: base, dynamo: read},
	"send-invitation-email":  {summary: "Invitation email sender (stream)", env: append(append([]string{}, base...), "SENDER_EMAIL", "SES_CONFIGURATION_SET"), dynamo: join(read, []string{"dynamodb:UpdateItem"}), ses: true},
	"process-import":         {summary: "CSV import worker (stream)", env: base, dynamo: join(invite, []string{"dynamodb:UpdateItem"}), heavy: true},
	"create-partner":         {summary: "POST /v1/partners", env: base, dynamo: join(read, idempotent, []string{"dynamodb:TransactWriteItems", "dynamodb:UpdateItem"})},
	"list-partners":          {summary: "GET /v1/partners", env: base, dynamo: query},
	"get-partner":            {summary: "GET /v1/partners/{id}", env: base, dynamo: join(read, query)},
	"update-partner":         {summary: "PATCH /v1/partners/{id}", env: base, dynamo: join(read, []string{"dynamodb:PutItem"})},
	"invite-partner-user":    {summary: "POST /v1/partners/{id}/users", env: base, dynamo: join(invite, idempotent)},
	"list-partner-users":     {summary: "GET /v1/partners/{id}/users", env: base, dynamo: join(read, query)},
	"invite-partner-users":   {summary: "POST /v1/partners/{id}/invitations", env: base, dynamo: join(invite, idempotent)},
	"import-invitations":     {summary: "POST /v1/partners/{id}/invitations/import", env: base, dynamo: join(invite, idempotent, []string{"dynamodb:BatchWriteItem"}), heavy: true},
	"get-import":             {summary: "GET /v1/imports/{id}", env: base, dynamo: join(read, query, []string{"dynamodb:UpdateItem"})},
	"get-invitations-sample": {summary: "GET /v1/invitations/sample.csv", env: base, dynamo: read},
	"list-invitations":       {summary: "GET /v1/invitations", env: base, dynamo: query},
	"get-invitation":         {summary: "GET /v1/invitations/{id}", env: base, dynamo: read},
	"resend-invitation":      {summary: "POST /v1/invitations/{id}/resend", env: base, dynamo: join(invite, idempotent)},
	"revoke-invitation":      {summary: "POST /v1/invitations/{id}/revoke", env: base, dynamo: join(read, idempotent, []string{"dynamodb:UpdateItem"})},
	"get-settings":           {summary: "GET /v1/settings", env: base, dynamo: read},
	"update-settings":        {summary: "PUT /v1/settings", env: base, dynamo: []string{"dynamodb:PutItem"}},
	"activation-page":        {summary: "GET/HEAD /activate/{token}", env: base, dynamo: read, cognito: []string{"cognito-idp:AdminGetUser"}},
	"accept-activation":      {summary: "POST /activate/{token}", env: base, dynamo: join(read, []string{"dynamodb:TransactWriteItems"}), cognito: acceptCognito},
	"renew-activation":       {summary: "POST /activate/{token}/renew", env: base, dynamo: join(read, []string{"dynamodb:UpdateItem", "dynamodb:TransactWriteItems"})},
	"create-activation":      {summary: "POST /v1/activations", env: base, dynamo: join(read, []string{"dynamodb:TransactWriteItems"}), cognito: acceptCognito},
	"list-memberships":       {summary: "GET /v1/memberships/{sub}", env: base, dynamo: join(read, query)},
	"get-identity":           {summary: "GET /v1/identity", env: base, dynamo: read},
}

var acceptCognito = []string{
	"cognito-idp:AdminGetUser", "cognito-idp:AdminCreateUser", "cognito-idp:AdminSetUserPassword",
	"cognito-idp:AdminInitiateAuth", "cognito-idp:AdminUpdateUserAttributes",
}

// grant gives a function exactly the actions it needs.
func (s *Stack) grant(fn awslambda.Function, n need) {
	if n.tenantRoute {
		n.dynamo = join(n.dynamo, []string{"dynamodb:UpdateItem"}) // the tenant's request-rate count
	}
	if len(n.dynamo) > 0 {
		fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("Table"),
			Actions:   jsii.Strings(n.dynamo...),
			Resources: jsii.Strings(*s.Table.TableArn(), *s.Table.TableArn()+"/index/*"),
		}))
	}
	if len(n.cognito) > 0 {
		// Every tenant's pool, made after the stack: the pools of this
		// account and region, and no other.
		pools := s.FormatArn(&awscdk.ArnComponents{Service: jsii.String("cognito-idp"), Resource: jsii.String("userpool/*")})
		fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("UserPools"), Actions: jsii.Strings(n.cognito...), Resources: jsii.Strings(*pools),
		}))
	}
	if n.ses {
		arn := func(resource string) string {
			return *s.FormatArn(&awscdk.ArnComponents{Service: jsii.String("ses"), Resource: jsii.String(resource)})
		}
		fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("Mail"), Actions: jsii.Strings("ses:SendEmail"),
			Resources: jsii.Strings(arn("identity/"+s.senderEmail), arn("configuration-set/"+*s.mailSet.ConfigurationSetName())),
		}))
	}
}

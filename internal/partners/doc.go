// Package partners is the domain of Partner Invites: tenants and their API
// keys, partner organisations, their users' invitations (one at a time, in
// bulk and by CSV import), the activation that turns an invitation into a
// login and a membership, each tenant's settings, and the rules that govern
// them all.
//
// Its services apply those rules: Service to the requests of a tenant's API
// keys and of activation pages, and to the import chunks the stream hands
// it; Tenants to the operator's requests (partnerctl); Authenticator to a
// presented API key; Deliverer to the invitation emails the outbox hands it.
//
// It imports no AWS SDK. It names what it needs as small interfaces, each
// declared beside the code that uses it, so that each adapter implements
// only its part and a test fakes only what it touches:
//
//   - internal/dynamostore, on one DynamoDB table: PartnerStore,
//     InvitationStore, SettingsStore, MembershipStore, UserCounter (PartnerPeople),
//     DeliveryStore, ImportStore, SendQuotaStore, PasswordGuardStore,
//     TenantStore and KeyStore;
//   - internal/cognitoid, on Cognito: Logins (a tenant's partner logins, in
//     its own user pool) and LoginPools (making and removing those pools);
//   - internal/sesmail, on SES: Mailer;
//   - Clock, which tests replace; SystemClock is the real one.
//
// Its errors are *Error values of a Kind (Invalid, NotFound, Conflict, …),
// never transport codes: internal/apigw calls the services and maps each
// Kind to an HTTP status and problem document in one place (problem.go).
package partners

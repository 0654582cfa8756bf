package dynamostore

// The values of the "type" attribute every item carries. The table holds
// many kinds of item under one key space, and a stream record has only the
// item to go by: its type is what the stream's consumers (and their filter
// patterns) select on, and what tells a reader of a table dump what an item
// is. They are stored, so they never change.
const (
	TypeTenant           = "tenant"
	TypeAPIKey           = "api_key"
	TypeSettings         = "settings"
	TypePartner          = "partner"
	TypePartnerUser      = "partner_user"
	TypeMembership       = "membership"
	TypeEmailClaim       = "email_claim"
	TypeInvitation       = "invitation"
	TypeToken            = "token"
	TypeImport           = "import"
	TypeImportChunk      = "import_chunk"
	TypeIdempotency      = "idempotency"
	TypeIdempotencyPart  = "idempotency_part"
	TypePasswordFailures = "password_failures"
	TypeSendCount        = "send_count"
	TypeEvent            = "event"
	TypeWebhookEndpoint  = "webhook_endpoint"
	TypeWebhookDelivery  = "webhook_delivery"
	TypeRateCount        = "rate_count"
	TypePoolEntry        = "pool_entry"
	TypePasswordReset    = "password_reset"
	TypeResetToken       = "reset_token"
	TypeResetCount       = "reset_count"
)

package base

import "fmt"

// Group names the wiring a function is built with, which decides what it
// links: each group is a package of its own.
type Group string

// The groups.
const (
	// GroupBase: DynamoDB only (internal/app/base).
	GroupBase Group = "base"
	// GroupPhones: base and phone numbers (internal/app/phoneapp): the
	// functions that take phones.
	GroupPhones Group = "phones"
	// GroupLogins: base and Cognito (internal/app/loginapp): the functions
	// that make or check partner logins.
	GroupLogins Group = "logins"
	// GroupMail: base and SES (internal/app/mailapp): the email sender.
	GroupMail Group = "mail"
	// GroupEvents: base and EventBridge (internal/app/eventsapp): the event
	// publisher.
	GroupEvents Group = "events"
	// GroupWebhooks: base and Lambda (internal/app/hooksapp): the routes
	// that wake the webhook sender.
	GroupWebhooks Group = "webhooks"
)

// groups are the functions outside the base group.
var groups = map[string]Group{
	"create-partner":         GroupPhones,
	"update-partner":         GroupPhones,
	"invite-partner-user":    GroupPhones,
	"partner-invite-user":    GroupPhones,
	"import-invitations":     GroupPhones,
	"process-import":         GroupPhones,
	"activation-page":        GroupLogins,
	"accept-activation":      GroupLogins,
	"create-activation":      GroupLogins,
	"partner-form":           GroupLogins,
	"update-partner-user":    GroupLogins,
	"remove-partner-user":    GroupLogins,
	"move-partner-user":      GroupLogins,
	"reset-password":         GroupLogins,
	"send-invitation-email":  GroupMail,
	"publish-events":         GroupEvents,
	"retry-webhook-delivery": GroupWebhooks,
}

// GroupOf returns the group a function is built with.
func GroupOf(function string) Group {
	if g, ok := groups[function]; ok {
		return g
	}
	return GroupBase
}

// checkGroup refuses to build a function with another group's wiring.
func checkGroup(function string, group Group) error {
	if g := GroupOf(function); g != group {
		return fmt.Errorf("function %s belongs to the %s group, not %s", function, g, group)
	}
	return nil
}

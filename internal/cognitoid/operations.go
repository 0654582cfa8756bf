package cognitoid

import (
	"context"
	"sync"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
)

// operations are the Cognito calls Logins makes, held as the SDK client's
// method values rather than the client: a Logins sits in the domain's
// interfaces, and a *cip.Client reachable from it would keep all of
// Cognito's ~120 operations in every function that also renders a template
// (text/template's reflection on methods makes the linker keep every
// exported method of such types: about 1.5 MiB here). See "Binary size" in
// docs/decisions.md.
type operations struct {
	AdminCreateUser           func(context.Context, *cip.AdminCreateUserInput, ...func(*cip.Options)) (*cip.AdminCreateUserOutput, error)
	AdminDisableUser          func(context.Context, *cip.AdminDisableUserInput, ...func(*cip.Options)) (*cip.AdminDisableUserOutput, error)
	AdminEnableUser           func(context.Context, *cip.AdminEnableUserInput, ...func(*cip.Options)) (*cip.AdminEnableUserOutput, error)
	AdminGetUser              func(context.Context, *cip.AdminGetUserInput, ...func(*cip.Options)) (*cip.AdminGetUserOutput, error)
	AdminInitiateAuth         func(context.Context, *cip.AdminInitiateAuthInput, ...func(*cip.Options)) (*cip.AdminInitiateAuthOutput, error)
	AdminSetUserPassword      func(context.Context, *cip.AdminSetUserPasswordInput, ...func(*cip.Options)) (*cip.AdminSetUserPasswordOutput, error)
	AdminUpdateUserAttributes func(context.Context, *cip.AdminUpdateUserAttributesInput, ...func(*cip.Options)) (*cip.AdminUpdateUserAttributesOutput, error)
	AdminUserGlobalSignOut    func(context.Context, *cip.AdminUserGlobalSignOutInput, ...func(*cip.Options)) (*cip.AdminUserGlobalSignOutOutput, error)
}

func operationsOf(c *cip.Client) operations {
	return operations{
		AdminCreateUser:           c.AdminCreateUser,
		AdminDisableUser:          c.AdminDisableUser,
		AdminEnableUser:           c.AdminEnableUser,
		AdminGetUser:              c.AdminGetUser,
		AdminInitiateAuth:         c.AdminInitiateAuth,
		AdminSetUserPassword:      c.AdminSetUserPassword,
		AdminUpdateUserAttributes: c.AdminUpdateUserAttributes,
		AdminUserGlobalSignOut:    c.AdminUserGlobalSignOut,
	}
}

// NewLogins returns Logins on the client newClient builds, on first use
// (only some paths of the activation functions call Cognito).
func NewLogins(newClient func() *cip.Client) *Logins {
	var (
		once sync.Once
		ops  operations
	)
	return &Logins{ops: func() operations {
		once.Do(func() { ops = operationsOf(newClient()) })
		return ops
	}}
}

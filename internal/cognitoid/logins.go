package cognitoid

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// Logins makes and checks partner logins, each in the pool it is given —
// the inviting tenant's. Usernames are email addresses. Errors are matched
// by code, not Go type: cognito-local answers some failures as generic API
// errors rather than the SDK's typed ones, and with other codes than Cognito
// (a wrong password is InvalidPasswordException there, NotAuthorizedException
// on AWS), so a type switch would miss them on one side or the other.
type Logins struct {
	// ops returns the Cognito calls (NewLogins builds the client on first use).
	ops func() operations
}

// Lookup returns the login of an email in the pool, if there is one. A
// login still waiting for its permanent password (FORCE_CHANGE_PASSWORD:
// made by AdminCreateUser, never given one) is Unfinished.
func (l *Logins) Lookup(ctx context.Context, pool partners.LoginPool, email string) (partners.Login, bool, error) {
	out, err := l.ops().AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(pool.ID), Username: aws.String(email)})
	if errorCode(err) == "UserNotFoundException" {
		return partners.Login{}, false, nil
	}
	if err != nil {
		return partners.Login{}, false, fmt.Errorf("look up login in %s: %w", pool.ID, err)
	}
	return partners.Login{
		Sub:           attribute(out.UserAttributes, "sub"),
		Unfinished:    out.UserStatus == types.UserStatusTypeForceChangePassword,
		EmailVerified: attribute(out.UserAttributes, "email_verified") == "true",
		Disabled:      !out.Enabled,
	}, true, nil
}

// Create makes a login with no usable password: Cognito sends no message
// (our email invited them) and keeps a random temporary password nobody
// knows, so the login is Unfinished until SetPassword. ErrLoginExists if the
// email has one.
func (l *Logins) Create(ctx context.Context, pool partners.LoginPool, n partners.NewLogin) (partners.Login, error) {
	verified := "false"
	if n.EmailVerified {
		verified = "true"
	}
	attrs := []types.AttributeType{
		{Name: aws.String("email"), Value: aws.String(n.Email)},
		{Name: aws.String("email_verified"), Value: aws.String(verified)},
	}
	if n.FirstName != "" {
		attrs = append(attrs, types.AttributeType{Name: aws.String("given_name"), Value: aws.String(n.FirstName)})
	}
	if n.LastName != "" {
		attrs = append(attrs, types.AttributeType{Name: aws.String("family_name"), Value: aws.String(n.LastName)})
	}
	out, err := l.ops().AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId: aws.String(pool.ID), Username: aws.String(n.Email),
		MessageAction: types.MessageActionTypeSuppress, UserAttributes: attrs,
	})
	if errorCode(err) == "UsernameExistsException" {
		return partners.Login{}, partners.ErrLoginExists
	}
	if err != nil {
		return partners.Login{}, fmt.Errorf("create login in %s: %w", pool.ID, err)
	}
	return partners.Login{Sub: attribute(out.User.Attributes, "sub"), Unfinished: true, EmailVerified: n.EmailVerified}, nil
}

// SetPassword gives a login its permanent password. A password the pool
// refuses is an Invalid error on "password", not a failure of ours.
func (l *Logins) SetPassword(ctx context.Context, pool partners.LoginPool, email, password string) error {
	_, err := l.ops().AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
		UserPoolId: aws.String(pool.ID), Username: aws.String(email), Password: aws.String(password), Permanent: true,
	})
	switch errorCode(err) {
	case "":
		return nil
	case "InvalidPasswordException", "InvalidParameterException":
		return partners.InvalidField("password", "refused_password", "This password cannot be used. Please choose another.")
	}
	return fmt.Errorf("set password in %s: %w", pool.ID, err)
}

// CheckPassword signs in with the admin flow, from the server, and returns
// the login's sub. Only tokens count: a challenge (MFA, a new password
// required) is not a correct password here, and a locked login answers as a
// wrong password does.
func (l *Logins) CheckPassword(ctx context.Context, pool partners.LoginPool, email, password string) (string, error) {
	out, err := l.ops().AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{
		UserPoolId: aws.String(pool.ID), ClientId: aws.String(pool.ClientID),
		AuthFlow:       types.AuthFlowTypeAdminUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": email, "PASSWORD": password},
	})
	switch errorCode(err) {
	case "":
	case "NotAuthorizedException", "InvalidPasswordException", "UserNotFoundException",
		"PasswordResetRequiredException", "UserNotConfirmedException", "TooManyFailedAttemptsException":
		return "", partners.ErrWrongPassword
	case "UserLambdaValidationException":
		// The token trigger (the pools' only trigger) refused tokens to a
		// login with no active membership. Cognito runs it only after the
		// password was verified: the password is right, and this check
		// gives no tokens out anyway. (An accept of a new invitation by a
		// login whose last membership ended meets this.)
	default:
		return "", fmt.Errorf("check password in %s: %w", pool.ID, err)
	}
	if err == nil && (out.ChallengeName != "" || out.AuthenticationResult == nil || aws.ToString(out.AuthenticationResult.IdToken) == "") {
		return "", partners.ErrWrongPassword
	}
	login, found, err := l.Lookup(ctx, pool, email)
	if err != nil {
		return "", err
	}
	if !found {
		return "", partners.ErrWrongPassword
	}
	return login.Sub, nil
}

// MarkEmailVerified sets email_verified on a login.
func (l *Logins) MarkEmailVerified(ctx context.Context, pool partners.LoginPool, email string) error {
	_, err := l.ops().AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{
		UserPoolId: aws.String(pool.ID), Username: aws.String(email),
		UserAttributes: []types.AttributeType{{Name: aws.String("email_verified"), Value: aws.String("true")}},
	})
	if err != nil {
		return fmt.Errorf("mark email verified in %s: %w", pool.ID, err)
	}
	return nil
}

func attribute(attrs []types.AttributeType, name string) string {
	for _, a := range attrs {
		if aws.ToString(a.Name) == name {
			return aws.ToString(a.Value)
		}
	}
	return ""
}

// SignOut ends every session of a login (AdminUserGlobalSignOut: its
// refresh tokens are revoked). cognito-local does not implement it and
// answers HTTP 500 with code Unsupported, which the SDK would retry: the
// call is made once, and that answer is ErrSignOutUnsupported.
func (l *Logins) SignOut(ctx context.Context, pool partners.LoginPool, email string) error {
	_, err := l.ops().AdminUserGlobalSignOut(ctx, &cip.AdminUserGlobalSignOutInput{
		UserPoolId: aws.String(pool.ID), Username: aws.String(email),
	}, func(o *cip.Options) { o.RetryMaxAttempts = 1 })
	switch errorCode(err) {
	case "":
		return nil
	case "Unsupported":
		return partners.ErrSignOutUnsupported
	}
	return fmt.Errorf("sign out a login in %s: %w", pool.ID, err)
}

// SetEnabled enables or disables a login (AdminEnableUser,
// AdminDisableUser); both are idempotent. A login that is gone has nothing
// to enable or disable.
func (l *Logins) SetEnabled(ctx context.Context, pool partners.LoginPool, email string, enabled bool) error {
	var err error
	if enabled {
		_, err = l.ops().AdminEnableUser(ctx, &cip.AdminEnableUserInput{UserPoolId: aws.String(pool.ID), Username: aws.String(email)})
	} else {
		_, err = l.ops().AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: aws.String(pool.ID), Username: aws.String(email)})
	}
	switch errorCode(err) {
	case "", "UserNotFoundException":
		return nil
	}
	return fmt.Errorf("set login enabled=%t in %s: %w", enabled, pool.ID, err)
}

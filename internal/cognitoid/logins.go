package cognitoid

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// Logins provisions partner logins in a user pool whose usernames are
// email addresses. Errors are matched by code, not Go type: cognito-local
// and Cognito differ there (LOCAL-STACK.md).
type Logins struct {
	// Client returns the Cognito client; it is built on first use, since
	// only the activation functions need one.
	Client   func() *cip.Client
	PoolID   string
	ClientID string
}

func errorCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

func (l *Logins) configured() error {
	if l.PoolID == "" || l.ClientID == "" {
		return errors.New("USER_POOL_ID and USER_POOL_CLIENT_ID must be set")
	}
	return nil
}

// Lookup returns the login of an email, if there is one.
func (l *Logins) Lookup(ctx context.Context, email string) (string, bool, error) {
	if err := l.configured(); err != nil {
		return "", false, err
	}
	out, err := l.Client().AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(l.PoolID), Username: aws.String(email)})
	if errorCode(err) == "UserNotFoundException" {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("look up login: %w", err)
	}
	return attribute(out.UserAttributes, "sub"), true, nil
}

// Create makes a login with a permanent password chosen by the person:
// Cognito sends no message (our email invited them) and the email counts
// as verified (they clicked our link). ErrLoginExists if the email has one.
func (l *Logins) Create(ctx context.Context, email, password, firstName, lastName string) (string, error) {
	attrs := []types.AttributeType{
		{Name: aws.String("email"), Value: aws.String(email)},
		{Name: aws.String("email_verified"), Value: aws.String("true")},
	}
	if firstName != "" {
		attrs = append(attrs, types.AttributeType{Name: aws.String("given_name"), Value: aws.String(firstName)})
	}
	if lastName != "" {
		attrs = append(attrs, types.AttributeType{Name: aws.String("family_name"), Value: aws.String(lastName)})
	}
	out, err := l.Client().AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId: aws.String(l.PoolID), Username: aws.String(email),
		MessageAction: types.MessageActionTypeSuppress, UserAttributes: attrs,
	})
	if errorCode(err) == "UsernameExistsException" {
		return "", partners.ErrLoginExists
	}
	if err != nil {
		return "", fmt.Errorf("create login: %w", err)
	}
	_, err = l.Client().AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
		UserPoolId: aws.String(l.PoolID), Username: aws.String(email), Password: aws.String(password), Permanent: true,
	})
	if code := errorCode(err); code == "InvalidPasswordException" {
		return "", partners.InvalidField("password", "weak_password", "The password does not meet the policy.")
	}
	if err != nil {
		return "", fmt.Errorf("set password: %w", err)
	}
	return attribute(out.User.Attributes, "sub"), nil
}

// CheckPassword signs in with the login's password (the admin flow, from
// the server) and returns its sub; ErrWrongPassword if it is not right.
func (l *Logins) CheckPassword(ctx context.Context, email, password string) (string, error) {
	_, err := l.Client().AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{
		UserPoolId: aws.String(l.PoolID), ClientId: aws.String(l.ClientID),
		AuthFlow:       types.AuthFlowTypeAdminUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": email, "PASSWORD": password},
	})
	switch errorCode(err) {
	case "":
	case "NotAuthorizedException", "InvalidPasswordException", "UserNotFoundException", "PasswordResetRequiredException":
		return "", partners.ErrWrongPassword
	default:
		return "", fmt.Errorf("check password: %w", err)
	}
	sub, found, err := l.Lookup(ctx, email)
	if err != nil {
		return "", err
	}
	if !found {
		return "", partners.ErrWrongPassword
	}
	return sub, nil
}

func attribute(attrs []types.AttributeType, name string) string {
	for _, a := range attrs {
		if aws.ToString(a.Name) == name {
			return aws.ToString(a.Value)
		}
	}
	return ""
}

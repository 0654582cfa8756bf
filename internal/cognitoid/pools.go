// Package cognitoid is the Cognito adapter: every tenant gets a user pool of
// its own (made with the tenant), and partner logins are made and checked in
// the pool of the tenant that invited them, never in another.
package cognitoid

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// PasswordPolicy is every pool's password policy: the domain's, in Cognito's
// terms, so that the product's own check and Cognito's agree.
var PasswordPolicy = types.PasswordPolicyType{
	MinimumLength:    aws.Int32(int32(partners.DefaultPasswordPolicy.MinLength)),
	RequireLowercase: partners.DefaultPasswordPolicy.RequireLowercase,
	RequireUppercase: partners.DefaultPasswordPolicy.RequireUppercase,
	RequireNumbers:   partners.DefaultPasswordPolicy.RequireDigit,
	RequireSymbols:   false,
}

// AppClientName is the name of each pool's one app client: the tenant's
// portal signs in with it, and the activation flow checks passwords with it.
const AppClientName = "portal"

// AuthFlows are what the app client allows: the portal's flows
// (partners.PortalAuthFlows) and the admin flow, which needs our IAM
// credentials, so that only the activation functions can use it.
func AuthFlows() []types.ExplicitAuthFlowsType {
	flows := []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowAdminUserPasswordAuth}
	for _, f := range partners.PortalAuthFlows {
		flows = append(flows, types.ExplicitAuthFlowsType("ALLOW_"+f))
	}
	return flows
}

// TenantTag tags each pool with its tenant, for the operator.
const TenantTag = "partner-invites:tenant"

// Pools makes and removes tenants' pools.
type Pools struct {
	Client *cip.Client
	// NamePrefix starts every pool's name; the tenant id follows. It keeps
	// the pools of one stack (or test table) apart from others in the account.
	NamePrefix string
	// TokenTrigger is the ARN of issue-token-claims, which every pool runs
	// before it issues tokens (the stack's TokenTriggerArn output); empty
	// against the local emulator, whose trigger is global (local/stack.sh).
	TokenTrigger string
}

// lambdaConfig is a pool's triggers: the token trigger, when there is one.
func (p *Pools) lambdaConfig() *types.LambdaConfigType {
	if p.TokenTrigger == "" {
		return nil
	}
	return &types.LambdaConfigType{PreTokenGeneration: aws.String(p.TokenTrigger)}
}

// CreatePool makes a tenant's pool: email as the username (case-insensitive),
// sign-up by administrators only (our activation flow), the product's
// password policy, recovery by verified email; and its app client.
func (p *Pools) CreatePool(ctx context.Context, tenantID string) (partners.LoginPool, error) {
	out, err := p.Client.CreateUserPool(ctx, &cip.CreateUserPoolInput{
		PoolName:               aws.String(p.NamePrefix + tenantID),
		UsernameAttributes:     []types.UsernameAttributeType{types.UsernameAttributeTypeEmail},
		AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail},
		AdminCreateUserConfig:  &types.AdminCreateUserConfigType{AllowAdminCreateUserOnly: true},
		Policies:               &types.UserPoolPolicyType{PasswordPolicy: &PasswordPolicy},
		UsernameConfiguration:  &types.UsernameConfigurationType{CaseSensitive: aws.Bool(false)},
		AccountRecoverySetting: &types.AccountRecoverySettingType{RecoveryMechanisms: []types.RecoveryOptionType{{Name: types.RecoveryOptionNameTypeVerifiedEmail, Priority: aws.Int32(1)}}},
		UserPoolTags:           map[string]string{TenantTag: tenantID},
		LambdaConfig:           p.lambdaConfig(),
	})
	if err != nil {
		return partners.LoginPool{}, fmt.Errorf("create user pool of %s: %w", tenantID, err)
	}
	pool := partners.LoginPool{ID: aws.ToString(out.UserPool.Id)}
	client, err := p.Client.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId: aws.String(pool.ID), ClientName: aws.String(AppClientName),
		ExplicitAuthFlows:          AuthFlows(),
		PreventUserExistenceErrors: types.PreventUserExistenceErrorTypesEnabled,
	})
	if err != nil {
		err = fmt.Errorf("create app client in %s: %w", pool.ID, err)
		if derr := p.DeletePool(context.WithoutCancel(ctx), pool); derr != nil {
			err = fmt.Errorf("%w (and removing the pool failed: %v)", err, derr)
		}
		return partners.LoginPool{}, err
	}
	pool.ClientID = aws.ToString(client.UserPoolClient.ClientId)
	pool.Issuer = Issuer(p.Client, pool.ID)
	return pool, nil
}

// SetTokenTrigger makes a pool made before the token trigger run it
// (partnerctl tenant sync-pools); a pool that runs it already is left as it
// is. UpdateUserPool resets every setting it is not given, so the pool's
// own settings are read and sent back with the trigger added.
func (p *Pools) SetTokenTrigger(ctx context.Context, pool partners.LoginPool) (changed bool, err error) {
	if p.TokenTrigger == "" {
		return false, nil
	}
	out, err := p.Client.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(pool.ID)})
	if err != nil {
		return false, fmt.Errorf("describe user pool %s: %w", pool.ID, err)
	}
	up := out.UserPool
	lambdas := up.LambdaConfig
	if lambdas == nil {
		lambdas = &types.LambdaConfigType{}
	}
	if aws.ToString(lambdas.PreTokenGeneration) == p.TokenTrigger {
		return false, nil
	}
	lambdas.PreTokenGeneration = aws.String(p.TokenTrigger)
	lambdas.PreTokenGenerationConfig = nil // version 1 events, as CreatePool's
	_, err = p.Client.UpdateUserPool(ctx, &cip.UpdateUserPoolInput{
		UserPoolId:                  aws.String(pool.ID),
		AccountRecoverySetting:      up.AccountRecoverySetting,
		AdminCreateUserConfig:       up.AdminCreateUserConfig,
		AutoVerifiedAttributes:      up.AutoVerifiedAttributes,
		DeletionProtection:          up.DeletionProtection,
		DeviceConfiguration:         up.DeviceConfiguration,
		EmailConfiguration:          up.EmailConfiguration,
		EmailVerificationMessage:    up.EmailVerificationMessage,
		EmailVerificationSubject:    up.EmailVerificationSubject,
		LambdaConfig:                lambdas,
		MfaConfiguration:            up.MfaConfiguration,
		Policies:                    up.Policies,
		SmsAuthenticationMessage:    up.SmsAuthenticationMessage,
		SmsConfiguration:            up.SmsConfiguration,
		SmsVerificationMessage:      up.SmsVerificationMessage,
		UserAttributeUpdateSettings: up.UserAttributeUpdateSettings,
		UserPoolAddOns:              up.UserPoolAddOns,
		UserPoolTags:                up.UserPoolTags,
		VerificationMessageTemplate: up.VerificationMessageTemplate,
	})
	if err != nil {
		return false, fmt.Errorf("set the token trigger on user pool %s: %w", pool.ID, err)
	}
	return true, nil
}

// DeletePool removes a pool with every login in it.
func (p *Pools) DeletePool(ctx context.Context, pool partners.LoginPool) error {
	_, err := p.Client.DeleteUserPool(ctx, &cip.DeleteUserPoolInput{UserPoolId: aws.String(pool.ID)})
	if errorCode(err) == "ResourceNotFoundException" {
		return nil
	}
	if err != nil {
		return fmt.Errorf("delete user pool %s: %w", pool.ID, err)
	}
	return nil
}

// Issuer is the `iss` of a pool's tokens: Cognito's regional endpoint and
// the pool id, or, against an emulator (an endpoint override), the
// emulator's endpoint and the pool id, as cognito-local signs them.
func Issuer(c *cip.Client, poolID string) string {
	opts := c.Options()
	if base := aws.ToString(opts.BaseEndpoint); base != "" {
		return strings.TrimRight(base, "/") + "/" + poolID
	}
	return "https://cognito-idp." + opts.Region + ".amazonaws.com/" + poolID
}

// errorCode is the AWS error code of err: "" for no error, noErrorCode for
// an error that has none.
func errorCode(err error) string {
	if err == nil {
		return ""
	}
	var api interface{ ErrorCode() string }
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return noErrorCode
}

// noErrorCode is errorCode's answer for a failure without an AWS error code:
// a connection reset, a timeout, a cancelled context, the SDK's retry quota.
// It must never read as "" (no error): every switch on errorCode takes ""
// for success, and a reset once passed for a password set (the invitation
// accepted, the login left without a password) and for a password checked.
const noErrorCode = "(no error code)"

// Package cognitoid is the Cognito adapter: it provisions partner logins in a
// user pool. This file sets up the pool for local stacks and tests; deployed
// stacks get theirs from the CDK, with the same policy.
package cognitoid

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// PasswordPolicy is the pool's password policy: the domain's, in Cognito's
// terms (the CDK stack builds from the same).
var PasswordPolicy = types.PasswordPolicyType{
	MinimumLength:    aws.Int32(int32(partners.DefaultPasswordPolicy.MinLength)),
	RequireLowercase: partners.DefaultPasswordPolicy.RequireLowercase,
	RequireUppercase: partners.DefaultPasswordPolicy.RequireUppercase,
	RequireNumbers:   partners.DefaultPasswordPolicy.RequireDigit,
	RequireSymbols:   false,
}

// AppClientName is the name of the app client the activation flow signs in with.
const AppClientName = "activation"

// Pool identifies a user pool and the activation app client.
type Pool struct {
	ID       string
	ClientID string
}

// EnsureUserPool finds the pool with this name, or creates it with email as
// the username, no self sign-up and the password policy; likewise the app
// client. It is idempotent.
func EnsureUserPool(ctx context.Context, c *cip.Client, name string) (Pool, error) {
	var pool Pool
	pages := cip.NewListUserPoolsPaginator(c, &cip.ListUserPoolsInput{MaxResults: aws.Int32(60)})
	for pages.HasMorePages() && pool.ID == "" {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return Pool{}, fmt.Errorf("list user pools: %w", err)
		}
		for _, p := range page.UserPools {
			if aws.ToString(p.Name) == name {
				pool.ID = aws.ToString(p.Id)
				break
			}
		}
	}
	if pool.ID == "" {
		out, err := c.CreateUserPool(ctx, &cip.CreateUserPoolInput{
			PoolName:               aws.String(name),
			UsernameAttributes:     []types.UsernameAttributeType{types.UsernameAttributeTypeEmail},
			AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail},
			AdminCreateUserConfig:  &types.AdminCreateUserConfigType{AllowAdminCreateUserOnly: true},
			Policies:               &types.UserPoolPolicyType{PasswordPolicy: &PasswordPolicy},
			UsernameConfiguration:  &types.UsernameConfigurationType{CaseSensitive: aws.Bool(false)},
			AccountRecoverySetting: &types.AccountRecoverySettingType{RecoveryMechanisms: []types.RecoveryOptionType{{Name: types.RecoveryOptionNameTypeVerifiedEmail, Priority: aws.Int32(1)}}},
		})
		if err != nil {
			return Pool{}, fmt.Errorf("create user pool %s: %w", name, err)
		}
		pool.ID = aws.ToString(out.UserPool.Id)
	}
	clients, err := c.ListUserPoolClients(ctx, &cip.ListUserPoolClientsInput{UserPoolId: aws.String(pool.ID), MaxResults: aws.Int32(60)})
	if err != nil {
		return Pool{}, fmt.Errorf("list clients of %s: %w", pool.ID, err)
	}
	for _, cl := range clients.UserPoolClients {
		if aws.ToString(cl.ClientName) == AppClientName {
			pool.ClientID = aws.ToString(cl.ClientId)
			return pool, nil
		}
	}
	out, err := c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId: aws.String(pool.ID), ClientName: aws.String(AppClientName),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{
			types.ExplicitAuthFlowsTypeAllowAdminUserPasswordAuth,
			types.ExplicitAuthFlowsTypeAllowUserPasswordAuth,
			types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth,
		},
		PreventUserExistenceErrors: types.PreventUserExistenceErrorTypesEnabled,
	})
	if err != nil {
		return Pool{}, fmt.Errorf("create app client in %s: %w", pool.ID, err)
	}
	pool.ClientID = aws.ToString(out.UserPoolClient.ClientId)
	return pool, nil
}

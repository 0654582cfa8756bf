package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/partnerinvites/partnerinvites/internal/grants"
)

// need is what one function uses (internal/grants): its variables and the
// actions it calls. Grants are exactly these actions on exactly these
// resources: no wildcard actions, no managed policies.
type need struct{ grants.Need }

func (n need) memory() float64 {
	if n.Heavy {
		return 1024
	}
	return 256
}

func (n need) timeout() float64 { return n.Timeout().Seconds() }

// grant gives a function exactly the actions it needs.
func (s *Stack) grant(fn awslambda.Function, n need) {
	if len(n.DynamoDB) > 0 {
		fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("Table"),
			Actions:   jsii.Strings(n.DynamoDB...),
			Resources: jsii.Strings(*s.Table.TableArn(), *s.Table.TableArn()+"/index/*"),
		}))
	}
	if len(n.Cognito) > 0 {
		// Every tenant's pool, made after the stack: the pools of this
		// account and region, and no other.
		pools := s.FormatArn(&awscdk.ArnComponents{Service: jsii.String("cognito-idp"), Resource: jsii.String("userpool/*")})
		fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("UserPools"), Actions: jsii.Strings(n.Cognito...), Resources: jsii.Strings(*pools),
		}))
	}
	if n.Events {
		s.grantEventsTo(fn)
	}
	if n.SES {
		arn := func(resource string) string {
			return *s.FormatArn(&awscdk.ArnComponents{Service: jsii.String("ses"), Resource: jsii.String(resource)})
		}
		fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("Mail"), Actions: jsii.Strings("ses:SendEmail"),
			Resources: jsii.Strings(arn("identity/"+s.senderEmail), arn("configuration-set/"+*s.mailSet.ConfigurationSetName())),
		}))
	}
}

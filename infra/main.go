// Command infra is the Go CDK app of Partner Invites: `make synth` and
// `make deploy` run it (cdk.json at the top of the repository points here).
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	context := func(key, fallback string) string {
		if v, ok := app.Node().TryGetContext(jsii.String(key)).(string); ok && v != "" {
			return v
		}
		return fallback
	}
	stage := context("stage", "dev")
	NewStack(app, "PartnerInvites-"+stage, &StackProps{
		Stage:         stage,
		SenderEmail:   context("senderEmail", "invites@example.com"),
		PublicBaseURL: context("publicBaseUrl", ""),
		AssetDir:      context("assetDir", "../dist"),
	})
	app.Synth(nil)
}

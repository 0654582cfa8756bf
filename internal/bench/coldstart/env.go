package main

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/partnerinvites/partnerinvites/internal/grants"
)

const (
	region  = "eu-west-1"
	account = "123456789012"
)

// values are plausible values of the variables the stack gives functions
// (infra/stack.go); each function gets only those its grants list, as in
// the stack, so a function that needs a variable it is not given fails
// here as it would in Lambda.
var values = map[string]string{
	"TABLE_NAME":              "partner-invites-bench-Table1A2B3C4D",
	"SECRET_KEY":              base64.StdEncoding.EncodeToString(sum("cold-start benchmark secret")),
	"ACTIVATION_BASE_URL":     "https://abcdef1234.execute-api." + region + ".amazonaws.com",
	"SENDER_EMAIL":            "invites@example.com",
	"SES_CONFIGURATION_SET":   "partner-invites-bench-mail",
	"EVENT_BUS_NAME":          "partner-invites-bench",
	"WEBHOOK_SENDER_FUNCTION": "partner-invites-bench-DeliverWebhooks1A2B3C4D",
}

func sum(s string) []byte { b := sha256.Sum256([]byte(s)); return b[:] }

// environment is the whole environment of one function's process: what
// Lambda sets for a provided.al2023 function, then the function's own
// variables. Nothing is inherited from the benchmark's environment (no
// HOME, so no ~/.aws files are read, as in Lambda).
func environment(function, bin, runtimeAPI, awsEndpoint string) ([]string, error) {
	need, ok := grants.Of(function)
	if !ok && function != helloName {
		return nil, fmt.Errorf("%s has no entry in internal/grants", function)
	}
	memory := 256
	if need.Heavy {
		memory = 1024
	}
	root := filepath.Dir(bin)
	env := []string{
		"AWS_LAMBDA_RUNTIME_API=" + runtimeAPI,
		"AWS_LAMBDA_FUNCTION_NAME=" + function,
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=" + strconv.Itoa(memory),
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/" + function,
		"AWS_LAMBDA_LOG_STREAM_NAME=2026/12/01/[$LATEST]0123456789abcdef0123456789abcdef",
		"AWS_LAMBDA_LOG_FORMAT=JSON", // the stack's LoggingFormat
		"AWS_LAMBDA_LOG_LEVEL=INFO",
		"AWS_EXECUTION_ENV=AWS_Lambda_provided.al2023",
		"AWS_REGION=" + region,
		"AWS_DEFAULT_REGION=" + region,
		"AWS_ACCESS_KEY_ID=ASIAXXXXXXXXXXXXXXXX",
		"AWS_SECRET_ACCESS_KEY=cold-start-benchmark-not-a-secret",
		"AWS_SESSION_TOKEN=cold-start-benchmark-not-a-token",
		"AWS_ENDPOINT_URL=" + awsEndpoint, // the stub: see awsStub
		"_HANDLER=bootstrap",
		"LAMBDA_TASK_ROOT=" + root,
		"LAMBDA_RUNTIME_DIR=" + root,
		"LANG=en_US.UTF-8",
		"TZ=:UTC",
		"PATH=/usr/local/bin:/usr/bin/:/bin:/opt/bin",
	}
	for _, name := range need.Env {
		v, ok := values[name]
		if !ok {
			return nil, fmt.Errorf("%s is given %s by the stack: add a plausible value to values in env.go", function, name)
		}
		env = append(env, name+"="+v)
	}
	return env, nil
}

package main

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// floorRun is the same run's floor: DynamoDB Local alone, at the same rate,
// answering the cheapest call every route makes at least once (one GetItem
// of an item that is not there), with nothing of ours in between. Every
// request of the mix makes one to several such calls in series, so the
// mix's p99 cannot be below this one's; the gap between them is ours (the
// gateway, the handlers, Cognito's and SES's emulators).
func floorRun(rate int, d time.Duration) (*vegeta.Metrics, error) {
	endpoint := os.Getenv("AWS_ENDPOINT_URL_DYNAMODB")
	if endpoint == "" {
		return nil, fmt.Errorf("AWS_ENDPOINT_URL_DYNAMODB is not set (make load runs this on its own stack)")
	}
	table := os.Getenv("TABLE_NAME")
	if table == "" {
		table = "partner-invites-local"
	}
	body := fmt.Appendf(nil, `{"TableName":%q,"Key":{"PK":{"S":"LOADFLOOR"},"SK":{"S":"LOADFLOOR"}}}`, table)
	target := vegeta.Target{
		Method: http.MethodPost, URL: strings.TrimSuffix(endpoint, "/") + "/", Body: body,
		Header: http.Header{
			"Content-Type": {"application/x-amz-json-1.0"},
			"X-Amz-Target": {"DynamoDB_20120810.GetItem"},
			// DynamoDB Local reads the key id from the header and checks
			// no signature.
			"Authorization": {"AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0"},
		},
	}
	attacker := vegeta.NewAttacker(vegeta.Timeout(30*time.Second), vegeta.KeepAlive(true), vegeta.Connections(64))
	m := &vegeta.Metrics{}
	for hit := range attacker.Attack(vegeta.NewStaticTargeter(target), vegeta.ConstantPacer{Freq: rate, Per: time.Second}, d, "floor") {
		m.Add(hit)
	}
	m.Close()
	if m.Success < 1 {
		return m, fmt.Errorf("the floor's GetItem failed: %v", m.Errors)
	}
	return m, nil
}

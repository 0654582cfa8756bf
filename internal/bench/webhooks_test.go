package bench

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/partnerinvites/partnerinvites/internal/apigw"
	"github.com/partnerinvites/partnerinvites/internal/testenv"
)

// BenchmarkWebhookLatency makes 200 state changes (PATCH of a partner, each
// one partner.updated event), one at a time, and times each from the
// request to its webhook's arrival at a loopback receiver: the table's
// stream (read every 50 ms here), publish-events and its fan-out, the
// wake, deliver-webhooks and the signed POST. It reports p50 and p99.
func BenchmarkWebhookLatency(b *testing.B) {
	const n = 200
	api := testenv.NewAPIWithConsumers(b, []string{apigw.PublishEventsFunction})
	_, key := api.Tenant(b, "Bench SaaS")
	rcv := testenv.NewReceiver(b)
	if r := api.Do(b, "POST", "/v1/webhook-endpoints", key, map[string]any{"url": rcv.URL, "events": []string{"partner.updated"}}); r.Status != http.StatusCreated {
		b.Fatalf("endpoint: %d %s", r.Status, r.Body)
	}
	r := api.Do(b, "POST", "/v1/partners", key, map[string]any{"name": "Globex"})
	if r.Status != http.StatusCreated {
		b.Fatalf("partner: %d %s", r.Status, r.Body)
	}
	pid := r.JSON(b)["id"].(string)
	var latencies []time.Duration
	for b.Loop() {
		latencies = latencies[:0]
		before := len(rcv.Got())
		for i := range n {
			start := time.Now()
			if r := api.Do(b, "PATCH", "/v1/partners/"+pid, key, map[string]any{"city": fmt.Sprintf("City %d", i)}); r.Status != http.StatusOK {
				b.Fatalf("patch: %d %s", r.Status, r.Body)
			}
			got := rcv.WaitFor(b, "the webhook", func(got []testenv.Received, _ int) bool { return len(got) > before+i })
			latencies = append(latencies, got[before+i].At.Sub(start))
		}
	}
	slices.Sort(latencies)
	b.ReportMetric(ms(percentile(latencies, 50)), "p50-ms")
	b.ReportMetric(ms(percentile(latencies, 99)), "p99-ms")
	b.ReportMetric(0, "ns/op")
}

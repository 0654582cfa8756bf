package testenv

import (
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Email is a message the SES emulator received.
type Email struct {
	MessageID   string `json:"messageId"`
	From        string `json:"from"`
	Subject     string `json:"subject"`
	Destination struct {
		To []string `json:"to"`
	} `json:"destination"`
	Body struct {
		Text string `json:"text"`
		HTML string `json:"html"`
	} `json:"body"`
}

// Sent returns the emails the SES emulator holds for an address.
func Sent(t testing.TB, to string) []Email {
	t.Helper()
	base := os.Getenv("SES_EMULATOR_URL")
	if base == "" {
		base = os.Getenv("AWS_ENDPOINT_URL_SESV2")
	}
	return SentVia(t, base, to)
}

// SentVia is Sent for the emulator at base.
func SentVia(t testing.TB, base, to string) []Email {
	t.Helper()
	resp, err := http.Get(base + "/store")
	if err != nil {
		t.Fatalf("read the SES emulator: %v", err)
	}
	defer resp.Body.Close()
	var store struct {
		Emails []Email `json:"emails"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&store); err != nil {
		t.Fatalf("decode the SES emulator's store: %v", err)
	}
	var out []Email
	for _, e := range store.Emails {
		for _, addr := range e.Destination.To {
			if strings.EqualFold(addr, to) {
				out = append(out, e)
			}
		}
	}
	return out
}

// WaitForMail waits until the emulator holds n emails for an address.
func WaitForMail(t testing.TB, to string, n int, within time.Duration) []Email {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		got := Sent(t, to)
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d emails to %s after %s, want %d", len(got), to, within, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var linkRE = regexp.MustCompile(`https?://\S+/activate/([A-Za-z0-9_-]{43})`)

// ActivationToken returns the token of the activation link in an email.
func ActivationToken(t testing.TB, e Email) string {
	t.Helper()
	m := linkRE.FindStringSubmatch(e.Body.Text)
	if m == nil {
		t.Fatalf("no activation link in the email:\n%s", e.Body.Text)
	}
	return m[1]
}

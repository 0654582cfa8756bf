package webhooks

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// fakeResolver answers names from a table, as DNS might (rebinding included).
type fakeResolver map[string][]string

func (f fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	var out []netip.Addr
	for _, s := range f[host] {
		out = append(out, netip.MustParseAddr(s))
	}
	return out, nil
}

func TestCheckURL(t *testing.T) {
	dns := fakeResolver{
		"hooks.example":      {"93.184.216.34"},
		"mixed.example":      {"93.184.216.34", "10.0.0.7"},
		"metadata.example":   {"169.254.169.254"},
		"v6-private.example": {"fd12::1"},
		"localhost":          {"127.0.0.1", "::1"},
	}
	for _, c := range []struct {
		url            string
		local, product string // the code refused with, "" for allowed
	}{
		{"https://hooks.example/x", "", ""},
		{"https://93.184.216.34/x", "", ""},
		{"https://[2606:4700::1]/x", "", ""},
		{"http://hooks.example/x", "https_required", "https_required"},
		{"ftp://hooks.example/x", "https_required", "https_required"},
		{"https://mixed.example/x", "forbidden_address", "forbidden_address"},
		{"https://metadata.example/", "forbidden_address", "forbidden_address"},
		{"https://v6-private.example/", "forbidden_address", "forbidden_address"},
		{"https://127.0.0.1:8443/", "", "forbidden_address"},
		{"https://localhost/", "", "forbidden_address"},
		{"http://127.0.0.1:9000/hooks", "", "https_required"},
		{"http://localhost:9000/hooks", "", "https_required"},
		{"https://[::1]/", "", "forbidden_address"},
		{"https://[::ffff:127.0.0.1]/", "", "forbidden_address"},
		{"https://[::ffff:192.168.1.1]/", "forbidden_address", "forbidden_address"},
		{"https://10.0.0.1/", "forbidden_address", "forbidden_address"},
		{"https://172.31.255.255/", "forbidden_address", "forbidden_address"},
		{"https://192.168.1.1/", "forbidden_address", "forbidden_address"},
		{"https://169.254.169.254/", "forbidden_address", "forbidden_address"},
		{"https://[fd00:ec2::254]/", "forbidden_address", "forbidden_address"},
		{"https://[fe80::1]/", "forbidden_address", "forbidden_address"},
		{"https://100.64.1.1/", "forbidden_address", "forbidden_address"},
		{"https://224.0.0.251/", "forbidden_address", "forbidden_address"},
		{"https://[ff02::1]/", "forbidden_address", "forbidden_address"},
		{"https://0.0.0.0/", "forbidden_address", "forbidden_address"},
		{"https://[::]/", "forbidden_address", "forbidden_address"},
		{"https://255.255.255.255/", "forbidden_address", "forbidden_address"},
		{"https://[64:ff9b::a00:1]/", "forbidden_address", "forbidden_address"},
		// A host that does not resolve gets the same answer as a private
		// one: the check is no oracle of our resolver.
		{"https://unknown.example/", "forbidden_address", "forbidden_address"},
		// IPv6 outside global unicast, in the forms that embed IPv4.
		{"https://[::a9fe:a9fe]/", "forbidden_address", "forbidden_address"},
		{"https://[::7f00:1]/", "forbidden_address", "forbidden_address"},
		{"https://[::ffff:0:7f00:1]/", "forbidden_address", "forbidden_address"},
		{"https://[fec0::1]/", "forbidden_address", "forbidden_address"},
		{"https://[2001:20::1]/", "forbidden_address", "forbidden_address"},
		{"https://192.88.99.1/", "forbidden_address", "forbidden_address"},
	} {
		for _, p := range []struct {
			name   string
			policy Policy
			want   string
		}{
			{"local stack", Policy{AllowLoopback: true, Resolver: dns}, c.local},
			{"deployed", Policy{Resolver: dns}, c.product},
		} {
			t.Run(p.name+" "+c.url, func(t *testing.T) {
				err := p.policy.CheckURL(context.Background(), "url", c.url)
				got := ""
				var e *partners.Error
				if err != nil {
					if !errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Field != "url" {
						t.Fatalf("error %v does not name url", err)
					}
					got = e.Fields[0].Code
				}
				if got != p.want {
					t.Errorf("got %q, want %q", got, p.want)
				}
			})
		}
	}
}

// The dialer checks the address it connects to, whatever the URL said when
// it was saved: a name that resolves elsewhere now (rebinding) or a URL
// never checked reaches no refused address.
func TestTheDialerRefusesWhatThePolicyRefuses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	// The scheme check lets http to loopback through; the deployed dialer
	// must still refuse the socket.
	deployed := &Transport{Policy: Policy{AllowLoopback: true}, client: NewTransport(Policy{}).client}
	resp := deployed.Send(context.Background(), partners.WebhookRequest{URL: srv.URL, ID: "evt_1", Timestamp: time.Now(), Body: []byte("{}"), Keys: [][]byte{[]byte("k")}})
	if resp.Err == nil || !strings.Contains(resp.Err.Error(), "refused") {
		t.Errorf("loopback reached by the deployed dialer: %+v", resp)
	}
	local := NewTransport(Policy{AllowLoopback: true})
	if resp := local.Send(context.Background(), partners.WebhookRequest{URL: srv.URL, ID: "evt_1", Timestamp: time.Now(), Body: []byte("{}"), Keys: [][]byte{[]byte("k")}}); resp.Err != nil {
		t.Errorf("local: %v", resp.Err)
	}
}

func TestRedirectsAreNotFollowedAndFail(t *testing.T) {
	followed := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/elsewhere" {
			followed = true
			return
		}
		http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	resp := NewTransport(Policy{AllowLoopback: true}).Send(context.Background(), partners.WebhookRequest{URL: srv.URL + "/hook", ID: "evt_1", Timestamp: time.Now(), Keys: [][]byte{[]byte("k")}})
	if followed || resp.Err == nil || resp.StatusCode != http.StatusTemporaryRedirect {
		t.Errorf("followed %v, response %+v", followed, resp)
	}
}

func TestSignatureIsTheSpecsHMACPerKey(t *testing.T) {
	at := time.Unix(1796000000, 0)
	body := []byte(`{"id":"evt_1"}`)
	keys := [][]byte{[]byte("new key bytes"), []byte("old key bytes")}
	got, err := Signature("evt_1", at, body, keys)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, k := range keys {
		mac := hmac.New(sha256.New, k)
		mac.Write([]byte("evt_1.1796000000." + string(body)))
		want = append(want, "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	}
	if got != strings.Join(want, " ") {
		t.Errorf("got %s\nwant %s", got, strings.Join(want, " "))
	}
}

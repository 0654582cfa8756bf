// Package webhooks is the HTTP adapter of the webhooks: it refuses URLs
// that point inside a network (SSRF), at create time and again on the
// socket of every attempt (DNS rebinding), signs each attempt per the
// Standard Webhooks specification, sends it without following redirects,
// within a timeout, reading a bounded answer; and it wakes the sender
// (an asynchronous Lambda invocation).
package webhooks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

// AllowLoopbackVariable is the local stack's switch that lets webhooks go
// to 127.0.0.1 and ::1, so that tests and developers can receive. The
// deployed stack never sets it (an infra test checks).
const AllowLoopbackVariable = "WEBHOOKS_ALLOW_LOOPBACK"

// Policy says which addresses webhooks may reach.
type Policy struct {
	// AllowLoopback admits loopback addresses (and plain http to them):
	// the local stack only.
	AllowLoopback bool
	// Resolver looks hosts up; nil is net.DefaultResolver.
	Resolver interface {
		LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
	}
}

// refused are the ranges no webhook may reach, besides what netip
// classifies (private, loopback, link-local, multicast, unspecified).
var refused = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8",          // "this network"
		"100.64.0.0/10",      // carrier-grade NAT
		"192.0.0.0/24",       // IETF protocol assignments
		"192.0.2.0/24",       // documentation
		"198.18.0.0/15",      // benchmarking
		"198.51.100.0/24",    // documentation
		"203.0.113.0/24",     // documentation
		"240.0.0.0/4",        // reserved, and the broadcast address
		"169.254.169.254/32", // instance metadata (link-local too)
		"fd00:ec2::254/128",  // instance metadata over IPv6 (unique-local too)
		"64:ff9b::/96",       // NAT64: would reach any IPv4 address
		"64:ff9b:1::/48",     // local-use NAT64
		"2002::/16",          // 6to4: embeds an IPv4 address
		"2001::/32",          // Teredo
		"2001:db8::/32",      // documentation
		"100::/64",           // discard
		"192.88.99.0/24",     // 6to4 relay anycast
		"2001:20::/28",       // ORCHIDv2
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// Allowed reports whether a webhook may be sent to ip.
func (p Policy) Allowed(ip netip.Addr) bool {
	ip = ip.Unmap()
	if ip.IsLoopback() {
		return p.AllowLoopback
	}
	if !ip.IsValid() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	// IPv6 outside global unicast (2000::/3) is never a webhook's: that
	// takes the IPv4-compatible (::/96) and -translated (::ffff:0:0/96)
	// forms, site-local (fec0::/10) and whatever is assigned later.
	if ip.Is6() && !globalUnicast6.Contains(ip) {
		return false
	}
	for _, r := range refused {
		if r.Contains(ip) {
			return false
		}
	}
	return true
}

var globalUnicast6 = netip.MustParsePrefix("2000::/3")

// errRefusedAddress is what the dialer says of an address it will not reach.
var errRefusedAddress = errors.New("address not allowed for webhooks")

// CheckURL refuses a URL that webhooks may not go to: another scheme than
// https (http is allowed to loopback under AllowLoopback), or a host that
// does not resolve or resolves to any address Allowed refuses.
func (p Policy) CheckURL(ctx context.Context, field, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return partners.InvalidField(field, "invalid_url", field+" must be an absolute https URL.")
	}
	host := u.Hostname()
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && p.AllowLoopback && (host == "localhost" || isLoopbackLiteral(host)):
	default:
		return partners.InvalidField(field, "https_required", field+" must use https.")
	}
	// One answer for a host that does not resolve and one that resolves to
	// an address we refuse, naming neither the address nor which it was:
	// the check must not be a way to query our resolver about names
	// (private zones, internal hosts) that only it can see.
	refuse := partners.InvalidField(field, "forbidden_address",
		fmt.Sprintf("%s's host %s must resolve, from the internet, to public addresses only.", field, host))
	addrs, err := p.resolve(ctx, host)
	if err != nil {
		return refuse
	}
	for _, a := range addrs {
		if !p.Allowed(a) || (u.Scheme == "http" && !a.Unmap().IsLoopback()) {
			return refuse
		}
	}
	return nil
}

func isLoopbackLiteral(host string) bool {
	ip, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil && ip.Unmap().IsLoopback()
}

func (p Policy) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return []netip.Addr{ip}, nil
	}
	r := p.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err == nil && len(addrs) == 0 {
		err = errors.New("no addresses")
	}
	return addrs, err
}

// control is the dialer's check of the address it is about to connect to:
// whatever a name resolved to when the URL was saved, or resolves to now,
// the socket reaches only an allowed address.
func (p Policy) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", errRefusedAddress, address)
	}
	if !p.Allowed(ap.Addr()) {
		return fmt.Errorf("%w: %s", errRefusedAddress, ap.Addr())
	}
	return nil
}

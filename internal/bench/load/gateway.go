package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

// gatewayRateLimit is each tenant's request rate in the load run. The
// product's default (50/s a tenant) is what a tenant meets; the load run
// measures the gateway and the store, so its tenants may go faster, as a
// tenant with a raised limit would.
const gatewayRateLimit = "100000"

// gateway is `partnerctl dev`, run as a process of its own so that its
// memory is its own.
type gateway struct {
	cmd  *exec.Cmd
	pid  int
	base string
	log  *os.File
}

func startGateway(ctx context.Context, partnerctl, logPath string) (*gateway, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	log, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(partnerctl, "dev")
	cmd.Env = append(os.Environ(), "PORT="+strconv.Itoa(port), "TENANT_RATE_LIMIT="+gatewayRateLimit, "LOG_LEVEL=warn")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start partnerctl dev: %w", err)
	}
	g := &gateway{cmd: cmd, pid: cmd.Process.Pid, base: fmt.Sprintf("http://127.0.0.1:%d", port), log: log}
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(g.base + "/v1/partners")
		if err == nil {
			resp.Body.Close()
			return g, nil // any answer (401 without a key) means it serves
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			g.stop()
			return nil, fmt.Errorf("partnerctl dev did not serve within a minute (its log: %s)", logPath)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (g *gateway) stop() {
	_ = g.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = g.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = g.cmd.Process.Kill()
	}
	g.log.Close()
}

// peakRSS is the gateway's peak resident memory so far, in KiB.
func (g *gateway) peakRSS() int64 { return peakRSSKiB(strconv.Itoa(g.pid)) }

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// exec1 runs partnerctl once and returns its standard output.
func exec1(ctx context.Context, partnerctl string, args ...string) error {
	_, err := output(ctx, partnerctl, args...)
	return err
}

func output(ctx context.Context, partnerctl string, args ...string) ([]byte, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, partnerctl, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("partnerctl %v: %w: %s", args, err, stderr.Bytes())
	}
	return stdout.Bytes(), nil
}

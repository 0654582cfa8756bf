package testenv

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// SES is an aws-ses-v2-local of a test's own, which the test can stop and
// start again.
type SES struct {
	URL  string
	port string
	mu   sync.Mutex
	cmd  *exec.Cmd
	t    testing.TB
}

// StartSES starts a private SES emulator on a free loopback port and stops
// it when the test ends.
func StartSES(t testing.TB) *SES {
	t.Helper()
	// A test of the mail needs the other emulators too: without them it is
	// skipped (or fails) as AWS decides, before an emulator is looked for.
	AWS(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()
	s := &SES{URL: "http://127.0.0.1:" + port, port: port, t: t}
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// Start starts the emulator and waits until it answers.
func (s *SES) Start() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	cli := filepath.Join(RepoRoot(s.t), "local", "node_modules", "aws-ses-v2-local", "dist", "cli.js")
	s.cmd = exec.Command("node", cli, "--host", "127.0.0.1", "--port", s.port)
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("start the SES emulator: %v", err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(s.URL + "/health-check")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the SES emulator did not start on %s", s.URL)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop stops the emulator; its mail is lost.
func (s *SES) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// RepoRoot is the checkout's top folder (the one holding local/stack.sh).
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "local", "stack.sh")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal(fmt.Errorf("no local/stack.sh above %s", dir))
		}
		dir = parent
	}
}

package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// envFiles are read, in order, for variables the environment does not set.
var envFiles = []string{"local/.endpoints.env", "local/.stack.env"}

// environ is the getenv partnerctl hands to app.New: the values it read from
// the local env files or derived (defaults such as ACTIVATION_BASE_URL),
// consulted first, over the process environment. Passing them this way
// instead of setting process variables keeps what a command derives within
// the command, and app.New reading only what it is given.
type environ map[string]string

// Getenv returns key's value in e, else in the process environment.
func (e environ) Getenv(key string) string {
	if v, ok := e[key]; ok {
		return v
	}
	return os.Getenv(key)
}

// Or returns key's value, or fallback if it is empty.
func (e environ) Or(key, fallback string) string {
	if v := e.Getenv(key); v != "" {
		return v
	}
	return fallback
}

// loadEnvFiles returns the variables of the local env files that the process
// environment does not set, so that `go run ./cmd/partnerctl …` works in a
// checkout with the local stack up, and an explicit environment (AWS,
// LocalStack) wins; the first file to name a variable wins over the second.
//
// The AWS SDK's own variables (AWS_REGION, AWS_ENDPOINT_URL_*, credentials)
// are exported instead: the SDK reads them only from the process
// environment and takes no getenv.
func loadEnvFiles() environ {
	e := environ{}
	root := findRoot()
	if root == "" {
		return e
	}
	for _, name := range envFiles {
		vars, err := readEnvFile(filepath.Join(root, name))
		if err != nil {
			continue
		}
		for k, v := range vars {
			if _, set := os.LookupEnv(k); set {
				continue
			}
			if _, seen := e[k]; seen {
				continue
			}
			if strings.HasPrefix(k, "AWS_") {
				os.Setenv(k, v)
				continue
			}
			e[k] = v
		}
	}
	return e
}

// findRoot returns the nearest directory upwards holding local/stack.sh.
func findRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "local", "stack.sh")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

func readEnvFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	vars := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("%s: not KEY=VALUE: %q", path, line)
		}
		vars[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return vars, sc.Err()
}

// writeEnvFile writes KEY=VALUE lines in the given order.
func writeEnvFile(path string, keys []string, vars map[string]string) error {
	var b strings.Builder
	b.WriteString("# Written by partnerctl bootstrap.\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%s\n", k, vars[k])
	}
	return os.WriteFile(path, []byte(b.String()), 0o600)
}

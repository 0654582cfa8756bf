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

// loadEnvFiles sets the variables of the local env files that are not set
// already, so that `go run ./cmd/partnerctl …` works in a checkout with the
// local stack up, and an explicit environment (AWS, LocalStack) wins.
func loadEnvFiles() {
	root := findRoot()
	if root == "" {
		return
	}
	for _, name := range envFiles {
		vars, err := readEnvFile(filepath.Join(root, name))
		if err != nil {
			continue
		}
		for k, v := range vars {
			if _, set := os.LookupEnv(k); !set {
				os.Setenv(k, v)
			}
		}
	}
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

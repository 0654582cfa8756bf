package main

import (
	"os"
	"path/filepath"
	"testing"
)

// loadEnvFiles hands the local env files' settings on in the overlay, not
// the process environment, except the AWS SDK's, which only the process
// environment reaches; an explicit environment wins over both files.
func TestLoadEnvFilesOverlaysTheProcessEnvironment(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{
		"local/stack.sh":       "",
		"local/.endpoints.env": "AWS_PI_TEST_ENDPOINT=http://127.0.0.1:1\nPI_TEST_BOTH=endpoints\n",
		"local/.stack.env":     "# comment\nPI_TEST_FILE=stack\nPI_TEST_SET=stack\nPI_TEST_EMPTY=stack\nPI_TEST_BOTH=stack\n",
	}
	for name, body := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(root)
	t.Setenv("PI_TEST_SET", "process")
	t.Setenv("PI_TEST_EMPTY", "") // set, if empty: the file does not fill it
	for _, k := range []string{"PI_TEST_FILE", "PI_TEST_BOTH", "AWS_PI_TEST_ENDPOINT"} {
		t.Setenv(k, "") // restored to unset when the test ends
		os.Unsetenv(k)
	}

	env := loadEnvFiles()
	tests := []struct {
		key       string
		want      string
		inProcess bool
	}{
		{"PI_TEST_FILE", "stack", false},
		{"PI_TEST_SET", "process", true},
		{"PI_TEST_EMPTY", "", true},
		{"PI_TEST_BOTH", "endpoints", false},
		{"AWS_PI_TEST_ENDPOINT", "http://127.0.0.1:1", true},
		{"PI_TEST_NOWHERE", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			if got := env.Getenv(tt.key); got != tt.want {
				t.Errorf("Getenv = %q, want %q", got, tt.want)
			}
			if _, set := os.LookupEnv(tt.key); set != tt.inProcess {
				t.Errorf("in the process environment: %v, want %v", set, tt.inProcess)
			}
		})
	}
	if got := env.Or("PI_TEST_EMPTY", "fallback"); got != "fallback" {
		t.Errorf("Or of an empty variable = %q, want the fallback", got)
	}
	env["PI_TEST_SET"] = "derived"
	if got := env.Getenv("PI_TEST_SET"); got != "derived" {
		t.Errorf("Getenv after the overlay is set = %q, want the overlay's value", got)
	}
}

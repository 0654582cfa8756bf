package gotemplate_test

import (
	"bytes"
	"flag"
	"go/format"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the copy from the toolchain's sources")

// The copy's patches, as edits of the toolchain's files (PATCHES.md says why).
const module = "github.com/partnerinvites/partnerinvites/third_party/gotemplate"

var (
	methodLookup = `	// Unless it's an interface, need to get to a value of type *T to guarantee
	// we see all methods of T and *T.
	ptr := receiver
	if ptr.Kind() != reflect.Interface && ptr.Kind() != reflect.Pointer && ptr.CanAddr() {
		ptr = ptr.Addr()
	}
	if method := ptr.MethodByName(fieldName); method.IsValid() {
		return s.evalCall(dot, method, false, node, fieldName, args, final)
	}
`
	noMethodLookup = `	// Patched (PATCHES.md): no method lookup. Upstream looks fieldName up as
	// a method first (reflect.Value.MethodByName with a name known only at
	// run time), which makes the linker keep every exported method of every
	// type held in an interface, in every program that links the package.
	// Here .Name is a struct field or a map key only; functions come from
	// the FuncMap.
`
)

// copies are the folders of the copy and the toolchain's packages they are
// made from, with each one's edits.
var copies = []struct {
	dir, from string
	edit      func(t *testing.T, name, src string) string
}{
	{"text", "text/template", func(t *testing.T, name, src string) string {
		src = strings.Replace(src, `"internal/fmtsort"`, `"`+module+`/fmtsort"`, 1)
		if name == "exec.go" {
			if !strings.Contains(src, methodLookup) {
				t.Fatalf("text/template/exec.go no longer has the method lookup the copy removes: re-read evalField and update the patch")
			}
			src = strings.Replace(src, methodLookup, noMethodLookup, 1)
		}
		return src
	}},
	{"html", "html/template", func(t *testing.T, name, src string) string {
		src = strings.Replace(src, "\t\"text/template\"\n", "\ttemplate \""+module+"/text\"\n", 1)
		return strings.Replace(src, "\t\"internal/godebug\"\n", "", 1)
	}},
	{"fmtsort", "internal/fmtsort", func(t *testing.T, name, src string) string { return src }},
}

// ours are the files of the copy that are not the toolchain's.
var ours = map[string]bool{"html/godebug.go": true}

// TestTheCopyIsTheToolchains keeps the copy of text/template, html/template
// and internal/fmtsort equal to this toolchain's, but for the patches: a Go
// release that changes them (html/template's escaping has had security
// fixes) fails here until `go test ./third_party/gotemplate -update` has
// copied it again.
func TestTheCopyIsTheToolchains(t *testing.T) {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatalf("go env GOROOT: %v", err)
	}
	goroot := strings.TrimSpace(string(out))
	for _, c := range copies {
		from := filepath.Join(goroot, "src", c.from)
		names, err := filepath.Glob(filepath.Join(from, "*.go"))
		if err != nil || len(names) == 0 {
			t.Fatalf("no sources of %s in %s (%v)", c.from, from, err)
		}
		want := map[string]bool{}
		for _, path := range names {
			name := filepath.Base(path)
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			want[name] = true
			orig, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			edited, err := format.Source([]byte(c.edit(t, name, string(orig))))
			if err != nil {
				t.Fatalf("%s/%s after the edits: %v", c.dir, name, err)
			}
			dst := filepath.Join(c.dir, name)
			if *update {
				if err := os.WriteFile(dst, edited, 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			got, err := os.ReadFile(dst)
			if err != nil || !bytes.Equal(got, edited) {
				t.Errorf("%s is not %s/%s of %s with the patches (%v): run go test ./third_party/gotemplate -update", dst, c.from, name, runtime.Version(), err)
			}
		}
		have, _ := filepath.Glob(filepath.Join(c.dir, "*.go"))
		for _, path := range have {
			if name := filepath.Base(path); !want[name] && !ours[c.dir+"/"+name] {
				t.Errorf("%s is in the copy but not in %s of %s", path, c.from, runtime.Version())
			}
		}
	}
}

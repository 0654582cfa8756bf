// Command coldstart measures each function's cold start the way Lambda
// starts it: it execs the bootstrap against a minimal Lambda Runtime API
// and times exec → first GET /next (init) and exec → first answer (init
// and the first invocation), beside a hello-world aws-lambda-go binary
// built with the same flags, interleaved in one run: absolute times on
// shared machines swing, the ratio holds. It also reports each function's
// binary size. `make bench-cold` builds what it needs and runs it; see
// docs/benchmarks.md.
//
// The binaries it execs are built for the machine it runs on; the deployed
// ones are linux/arm64, whose sizes it reports beside them.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/partnerinvites/partnerinvites/internal/apigw"
)

// The goals of issue 14.
const (
	goalRatio = 2.0
	goalMiB   = 10.0
)

func main() {
	bin := flag.String("bin", "bin/coldstart/host", "the host builds: DIR/<function>/bootstrap")
	hello := flag.String("hello", "bin/coldstart/hello/host/bootstrap", "the host build of the hello-world")
	dist := flag.String("dist", "dist", "the linux/arm64 builds (make build): DIR/<function>/bootstrap, for their sizes")
	helloArm := flag.String("hello-arm64", "bin/coldstart/hello/arm64/bootstrap", "the linux/arm64 build of the hello-world, for its size")
	rounds := flag.Int("rounds", 20, "timed cold starts of each function, each beside one of the hello-world")
	only := flag.String("only", "", "comma-separated functions to measure (default: every function)")
	inittrace := flag.String("inittrace", "", "instead of the table, print the costliest package inits of this function (GODEBUG=inittrace=1)")
	top := flag.Int("top", 15, "with -inittrace: how many packages to print")
	limit := flag.Float64("limit-mib", 12, "the size above which make build fails (its MAX_FUNCTION_MIB), to print beside the goal")
	flag.Parse()

	var err error
	if *inittrace != "" {
		err = traceInit(os.Stdout, *inittrace, filepath.Join(*bin, *inittrace, "bootstrap"), *hello, *top)
	} else {
		err = table(os.Stdout, functions(*only), tableOptions{bin: *bin, hello: *hello, dist: *dist, helloArm: *helloArm, rounds: *rounds, limitMiB: *limit})
	}
	if err != nil {
		fail(err)
	}
}

// functions are the ones asked for, or every function of the product.
func functions(only string) []string {
	if only == "" {
		return apigw.Functions()
	}
	return strings.Split(only, ",")
}

// platformNote says what was measured: the host's builds, which are not
// the deployed ones unless the host is linux/arm64.
func platformNote() string {
	host := runtime.GOOS + "/" + runtime.GOARCH
	if host == "linux/arm64" {
		return "measured on linux/arm64, the deployed platform"
	}
	return "measured on " + host + ": the deployed functions are linux/arm64, which this machine cannot exec, " +
		"so the timed binaries are host builds with the same flags; both sizes are given"
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "coldstart:", err)
	os.Exit(1)
}

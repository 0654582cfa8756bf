// Command trigger-relay is the local stack's Cognito trigger relay
// (internal/triggerrelay): local/stack.sh starts it beside cognito-local,
// whose Lambda client it answers. It is never deployed.
package main

import (
	"flag"
	"log/slog"
	"net/http"
	"os"

	"github.com/partnerinvites/partnerinvites/internal/triggerrelay"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18003", "where to listen")
	flag.Parse()
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	log.Info("trigger relay listening", "addr", *addr)
	if err := http.ListenAndServe(*addr, triggerrelay.New(log)); err != nil {
		log.Error("trigger relay", "err", err)
		os.Exit(1)
	}
}

# Partner Invites — the one entry point. `make dev` serves the API locally;
# `make test` runs every test. Both install what they need on first use.

SHELL := /bin/bash
GO ?= go
STACK := local/stack.sh
FUNCTIONS := $(notdir $(wildcard functions/*))
# What CI and `make test` require: emulator-backed tests fail instead of skipping.
export PI_REQUIRE_EMULATORS := 1

.PHONY: rotate-secret rotate-secret-done help dev test test-unit test-infra lint lint-api generate docs build synth deploy bench bench-cold load fuzz fuzz-smoke stack-start stack-stop stack-status deps clean

help:
	@echo "make dev          start the emulators, bootstrap, create a demo tenant and serve the API on 127.0.0.1:$${PORT:-8080}"
	@echo "make test         run every test (starts the emulators it needs, stops what it started)"
	@echo "make lint         gofmt, go vet, staticcheck; redocly lint of api/openapi.yaml"
	@echo "make generate     regenerate client/ from api/openapi.yaml (oapi-codegen, pinned in go.mod)"
	@echo "make docs         render api/openapi.yaml to api/docs/index.html (redocly build-docs)"
	@echo "make build        build every function as a linux/arm64 Lambda bootstrap in dist/"
	@echo "make synth        build, then synthesize the CDK stack into infra/cdk.out (no AWS account needed)"
	@echo "make deploy SENDER=you@example.com [STAGE=dev]   deploy to the AWS account of your credentials"
	@echo "make bench        run each benchmark on a fresh private emulator stack (see docs/benchmarks.md)"
	@echo "make bench-cold   each function's cold start and binary size beside a hello-world Lambda (host builds; COLDSTART_FLAGS='-inittrace NAME' for one function's init costs)"
	@echo "make load         a realistic mix through the local gateway for 60 s at LOAD_RATE (40/s); LOAD_FLAGS=-search finds the highest rate with p99 under 100 ms"
	@echo "make fuzz         run each fuzzer for FUZZTIME (10s); make fuzz-smoke: 1,000 inputs each, as CI does"
	@echo "make stack-start  start the emulators in the background; make stack-stop stops them"

deps:
	$(GO) mod download
	$(STACK) install

# The OpenAPI linter and renderer, pinned by api/package-lock.json; apart
# from local/ so that the emulators' install does not carry them.
REDOCLY := api/node_modules/.bin/redocly
$(REDOCLY): api/package.json api/package-lock.json
	cd api && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

bin/partnerctl: $(shell find cmd internal -name '*.go' -not -name '*_test.go') go.mod go.sum
	$(GO) build -o $@ ./cmd/partnerctl

dev: deps bin/partnerctl
	$(STACK) with bash -c 'bin/partnerctl bootstrap && exec bin/partnerctl dev --demo'

test: deps
	local/ensure-chromium.sh
	GO=$(GO) local/test.sh
	$(MAKE) test-infra

# The CDK app is a module of its own: its bindings take minutes to build
# cold, and the functions' tests should not wait for them.
test-infra:
	cd infra && $(GO) test -count=1 ./...

# Unit tests only: emulator-backed tests are skipped.
test-unit:
	PI_REQUIRE_EMULATORS= AWS_ENDPOINT_URL_DYNAMODB= $(GO) test ./...

lint: lint-api
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck $$($(GO) list ./... | grep -v /third_party/gotemplate)
	cd infra && $(GO) vet ./...

lint-api: $(REDOCLY)
	$(REDOCLY) lint --config api/redocly.yaml api/openapi.yaml

# The tenant client is generated from the contract; a test
# (client.TestTheGeneratedClientIsFresh) fails when it is stale.
generate:
	$(GO) generate ./client/

# A static HTML page of the contract, in api/docs/ (git-ignored).
docs: $(REDOCLY)
	$(REDOCLY) build-docs --config api/redocly.yaml api/openapi.yaml --output api/docs/index.html
	@echo "open api/docs/index.html"

# How every Lambda binary is built, the deployed ones and the cold-start
# benchmark's alike: the benchmark's ratios mean nothing if the flags drift.
LAMBDA_BUILD := CGO_ENABLED=0 $(GO) build -trimpath -ldflags='-s -w' -tags lambda.norpc
# internal/bench is the benchmarks, which no function links: editing them
# rebuilds nothing.
GO_SOURCES := $(shell find functions internal -name '*.go' -not -name '*_test.go' -not -path 'internal/bench/*') go.mod go.sum
BOOTSTRAPS := $(addprefix dist/,$(addsuffix /bootstrap,$(FUNCTIONS)))
# A function may be at most this big: build fails above it. Issue 14 asks
# for 10 MiB and never more than 12; since its second part every function
# is 7.9-9.5 MiB (docs/benchmarks.md), so the guard is the goal itself: a
# change that takes one over 10 MiB (an SDK client held in an interface, a
# dependency that reflects on methods) fails here, not in review.
MAX_FUNCTION_MIB := 10
MAX_FUNCTION_KIB := 10240

build: $(BOOTSTRAPS)
	@over=0; for f in $(BOOTSTRAPS); do \
	  bytes=$$(wc -c < $$f); \
	  if [ $$bytes -gt $$(( $(MAX_FUNCTION_KIB) * 1024 )) ]; then \
	    awk -v f=$$f -v b=$$bytes -v max=$(MAX_FUNCTION_KIB) 'BEGIN { printf "%s is %.1f MiB: a function may be at most %.1f MiB (goal 10 MiB; see docs/benchmarks.md)\n", f, b / 1048576, max / 1024 }' >&2; \
	    over=1; \
	  fi; \
	done; exit $$over

dist/%/bootstrap: $(GO_SOURCES)
	GOOS=linux GOARCH=arm64 $(LAMBDA_BUILD) -o $@ ./functions/$*

# The cold-start benchmark execs the functions, so it times builds for this
# machine (GOHOSTOS/GOHOSTARCH) with the same flags; the table gives the
# arm64 sizes from dist/ beside them. Not part of make test, being a
# benchmark; the harness's own tests (its Runtime API) are.
COLDSTART_FLAGS ?=
HOST_ENV = GOOS=$$($(GO) env GOHOSTOS) GOARCH=$$($(GO) env GOHOSTARCH)
bench-cold: $(BOOTSTRAPS) $(addprefix bin/coldstart/host/,$(addsuffix /bootstrap,$(FUNCTIONS))) bin/coldstart/hello/host/bootstrap bin/coldstart/hello/arm64/bootstrap
	$(GO) run ./internal/bench/coldstart -limit-mib $(MAX_FUNCTION_MIB) $(COLDSTART_FLAGS)

bin/coldstart/host/%/bootstrap: $(GO_SOURCES)
	$(HOST_ENV) $(LAMBDA_BUILD) -o $@ ./functions/$*

bin/coldstart/hello/host/bootstrap: internal/bench/coldstart/hello/main.go go.mod go.sum
	$(HOST_ENV) $(LAMBDA_BUILD) -o $@ ./internal/bench/coldstart/hello

bin/coldstart/hello/arm64/bootstrap: internal/bench/coldstart/hello/main.go go.mod go.sum
	GOOS=linux GOARCH=arm64 $(LAMBDA_BUILD) -o $@ ./internal/bench/coldstart/hello

# Each benchmark gets a fresh DynamoDB Local on its own ports: the emulator
# slows down as it accumulates data, which would skew the next figure.
# A benchmark's log keeps only its first 10 lines: the long tables (where
# an accept's time goes, the write cost by call and by item) are written to
# test-artifacts/bench/, and the log says where.
BENCHMARKS ?= BenchmarkInviteOne BenchmarkAccept BenchmarkImportCSV1000 BenchmarkImportCSV10k BenchmarkWriteCost BenchmarkExpiryRun BenchmarkWebhookLatency
bench: deps
	@set -o pipefail; for b in $(BENCHMARKS); do \
	  DYNAMODB_PORT=18100 COGNITO_PORT=18102 SES_PORT=18101 $(STACK) with \
	    $(GO) test -run '^$$' -bench "^$$b$$" -benchtime 1x -timeout 40m ./internal/bench/ | grep -E '^(Benchmark|    [a-z0-9_]+_test\.go:|ok|FAIL|PASS)' || exit 1; \
	done

# The load run (issue 16): a fresh private stack, partnerctl dev as the
# gateway, vegeta as the load generator; see docs/benchmarks.md ("Load").
LOAD_RATE ?= 40
load: deps bin/partnerctl
	DYNAMODB_PORT=18300 COGNITO_PORT=18302 SES_PORT=18301 $(STACK) with \
	  $(GO) run ./internal/bench/load -rate $(LOAD_RATE) $(LOAD_FLAGS)

# Synthesis through the Go program alone: no CDK CLI, no AWS account.
synth: build
	cd infra && CDK_OUTDIR=cdk.out $(GO) run . && ls cdk.out/*.template.json

# Deploys with the pinned CDK CLI (infra/package-lock.json). SECRET_KEY is
# made once per stage and kept in infra/.secret-key-STAGE (git-ignored):
# keep it; a new one invalidates cursors and links that are being sent.
STAGE ?= dev
deploy: build
	@test -n "$(SENDER)" || { echo "make deploy needs SENDER=the From address of invitation emails (SES verifies it)"; exit 1; }
	cd infra/_cli && npm ci --no-audit --no-fund --loglevel=error
	@test -f infra/.secret-key-$(STAGE) || (umask 077; openssl rand -base64 32 > infra/.secret-key-$(STAGE))
	infra/_cli/node_modules/.bin/cdk deploy --require-approval never \
	  -c stage=$(STAGE) -c senderEmail=$(SENDER) $(if $(PUBLIC_BASE_URL),-c publicBaseUrl=$(PUBLIC_BASE_URL)) \
	  --parameters SecretKey=$$(cat infra/.secret-key-$(STAGE)) \
	  $(if $(wildcard infra/.secret-key-$(STAGE).previous),--parameters SecretKeyPrevious=$$(cat infra/.secret-key-$(STAGE).previous))

# Rotating SECRET_KEY: the current secret becomes the previous one (it still
# opens what it sealed) and a new one is made; `make deploy` then deploys
# both. After a day (the longest-lived sealed values: idempotent responses,
# import links), `make rotate-secret-done` drops the previous one; deploy again.
rotate-secret:
	@test -f infra/.secret-key-$(STAGE) || { echo "no infra/.secret-key-$(STAGE) to rotate"; exit 1; }
	@test ! -f infra/.secret-key-$(STAGE).previous || { echo "a rotation is under way: make rotate-secret-done first"; exit 1; }
	mv infra/.secret-key-$(STAGE) infra/.secret-key-$(STAGE).previous
	(umask 077; openssl rand -base64 32 > infra/.secret-key-$(STAGE))
	@echo "now: make deploy SENDER=… STAGE=$(STAGE)"

rotate-secret-done:
	rm -f infra/.secret-key-$(STAGE).previous
	@echo "now: make deploy SENDER=… STAGE=$(STAGE)"

FUZZTIME ?= 10s
fuzz:
	FUZZTIME=$(FUZZTIME) local/fuzz.sh

# Every fuzz target for 1,000 inputs: what CI runs (about a minute with a warm build
# cache; the first run instruments and builds every package once: ~3.5 min).
fuzz-smoke:
	FUZZTIME=1000x local/fuzz.sh

stack-start:
	$(STACK) start

stack-stop:
	$(STACK) stop

stack-status:
	$(STACK) status

clean:
	rm -rf bin dist infra/cdk.out api/docs

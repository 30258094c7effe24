# edgectl — see README.md. Every tool the project needs is installed by a
# target here, never by hand.

GO       ?= go
SHARED   ?= $(abspath ../shared)
BIN      := bin/edgectl
PROTOC_GEN_GO_VERSION := v1.36.12
GOBIN    := $(shell $(GO) env GOPATH)/bin
# edgectl --version, and part of the key of this machine's cached latency
# profile (a profile of another build's kernels is measured again).
VERSION  ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
export EDGECTL_SHARED := $(SHARED)

.PHONY: all build test demo demo-local generate generate-tools fuzz lint check check-ortbench bench bench-plan clean

all: build

# Fragments of the kernels, plugins and benchmark work (mk/*.mk) add their
# targets, and what `make test` needs built first to TEST_DEPS.
TEST_DEPS :=
-include $(sort $(wildcard mk/*.mk))
# make test builds the example and hostile Wasm plugins its tests load, and
# runs the kernel tests for arm64 under qemu.
TEST_DEPS += plugins test-arm64

build:
	$(GO) build -ldflags "-X github.com/edgectl/edgectl/cli/app.Version=$(VERSION)" -o $(BIN) ./cli/edgectl

# The tests, then the operator conformance summary (pass/skip counts and the
# skips grouped by reason).
test: $(TEST_DEPS)
	$(GO) test -count=1 ./...
	@$(GO) test -count=1 -run '^TestONNXNodeConformance$$' -v ./runtime/ | grep -E 'skip \(|onnx node tests:'

# The main job: full-size VGG-16 on the emulated testbed (mk/testbed.mk,
# demo-testbed): 8 device containers of a fifth of a core each on one
# shared 100 Mbit/s channel, planned on their in-place profile and the
# measured network, run, every output checked against one device, the
# single-frame latency and the streamed throughput against one such
# device. The model (553 MB) is generated once, outside the repository.
demo: demo-testbed

# The same model on 4 local worker processes (each a one-thread device,
# sharing this machine's cores) against one, with a Perfetto trace.
DEMO_DIR ?= $(HOME)/.cache/edgectl/demo
DEMO_FRAMES ?= 4
demo-local: build
	@mkdir -p $(DEMO_DIR)
	@test -f $(DEMO_DIR)/vgg16.onnx -a -f $(DEMO_DIR)/vgg16-input.pb || \
		$(BIN) zoo vgg16 -o $(DEMO_DIR)/vgg16.onnx --sample $(DEMO_DIR)/vgg16-input.pb
	$(BIN) run $(DEMO_DIR)/vgg16.onnx --local 4 --threads 1 --input $(DEMO_DIR)/vgg16-input.pb \
		--frames $(DEMO_FRAMES) --window 1 --warmup 1 --baseline --check --trace $(DEMO_DIR)/trace.json
	@echo "trace of the 4-worker run: $(DEMO_DIR)/trace.json (open it in Perfetto)"

# Regenerates importer/onnxpb from $(SHARED)/onnx-spec/onnx.proto3.
generate: generate-tools
	ONNX_SPEC=$(SHARED)/onnx-spec/onnx.proto3 bash tools/gen/onnxpb.sh

generate-tools:
	@command -v protoc >/dev/null || (apt-get update -qq && apt-get install -y -qq protobuf-compiler)
	@test -x $(GOBIN)/protoc-gen-go || $(GO) install google.golang.org/protobuf/cmd/protoc-gen-go@$(PROTOC_GEN_GO_VERSION)

FUZZTIME ?= 5m
fuzz:
	$(GO) test ./importer -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME)

# Vets the integration tests' build-tagged files too (podman, kube, netns,
# testbed), which a plain go vet never compiles.
lint:
	@test -z "$$(gofmt -l .)" || (echo "gofmt would change:"; gofmt -l .; exit 1)
	$(GO) vet ./...
	$(GO) vet -tags podman,kube,netns,testbed ./...

# Builds for every target edgectl ships to, vets and builds the cgo module
# of the ONNX Runtime comparison (tools/ortbench, -tags ort), and fails if
# gofmt or go mod tidy (of either module) would change anything or the
# committed kernel assembly differs from what tools/avogen generates.
check: lint check-ortbench check-kernels-generated
	GOOS=linux GOARCH=amd64 $(GO) build ./...
	GOOS=linux GOARCH=arm64 $(GO) build ./...
	GOOS=linux GOARCH=arm $(GO) build ./...
	$(GO) build -tags noasm ./...
	$(GO) mod tidy -diff

check-ortbench:
	@command -v gcc >/dev/null || (apt-get update -qq && apt-get install -y -qq gcc libc6-dev)
	cd tools/ortbench && CGO_ENABLED=1 $(GO) vet -tags ort ./... && CGO_ENABLED=1 $(GO) build -tags ort ./... && $(GO) mod tidy -diff

bench:
	$(GO) test -run '^$$' -bench . -benchtime 3x ./importer/

# Plan time of the search on full-size zoo models, 4 and 8 devices.
bench-plan:
	$(GO) test -run '^$$' -bench Plan -benchtime 5x -timeout 30m ./tools/bench/

clean:
	rm -rf bin

# Worker protocol (runtime/worker, docs/worker.md): regenerates
# runtime/worker/wirepb from worker.proto with protoc, protoc-gen-go and
# protoc-gen-go-grpc, installing them when missing.

PROTOC_GEN_GO_GRPC_VERSION := v1.6.2
WIREPB := runtime/worker/wirepb

.PHONY: generate-worker generate-worker-tools bench-worker

generate: generate-worker

generate-worker: generate-tools generate-worker-tools
	cd $(WIREPB) && PATH="$(GOBIN):$$PATH" protoc -I . \
		--go_out=. --go_opt=paths=source_relative \
		--go-grpc_out=. --go-grpc_opt=paths=source_relative \
		worker.proto

generate-worker-tools:
	@test -x $(GOBIN)/protoc-gen-go-grpc || $(GO) install google.golang.org/grpc/cmd/protoc-gen-go-grpc@$(PROTOC_GEN_GO_GRPC_VERSION)

# Distributed-run benchmarks: per-tile and per-part overhead on loopback
# (1 MB and 10 MB), then full-size VGG-16 and YOLOv2 latency on 4 one-thread
# local workers against one, each with its baseline measured in the same run.
bench-worker:
	$(GO) test -run '^$$' -bench . -benchtime 50x ./runtime/worker/
	$(GO) test -run '^$$' -bench ModelLatency -benchtime 3x -timeout 60m ./runtime/worker/e2e/

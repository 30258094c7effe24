# Fast kernels (runtime/kernels): regenerate the AVX2 and AVX-512 assembly
# (and check that the committed one is current), test the arm64 build under
# qemu, test the pure-Go build, benchmark. Included by the
# Makefile; every tool a target needs is installed by the target.

GO ?= go
KERNEL_PKGS      := ./runtime/kernels/...
SIMD_DIR         := runtime/kernels/internal/simd
KERNEL_BENCH     ?= FMAPeak|MicroKernel|VGG16Conv$$|VGG16ConvTotal
KERNEL_BENCHTIME ?= 1s
KERNEL_COUNT     ?= 1

.PHONY: generate-kernels check-kernels-generated test-arm64 test-noasm kernel-bench kernel-bench-ref

# Regenerates the AVX2+FMA and AVX-512 assembly and its Go stubs with avo
# (tools/avogen is its own module); the output is committed.
generate-kernels:
	cd tools/avogen && $(GO) run . -out ../../$(SIMD_DIR)/simd_amd64.s -stubs ../../$(SIMD_DIR)/stubs_amd64.go -pkg simd
	gofmt -l $(SIMD_DIR)

# Cross-compiles the tests of every kernel package for arm64 and runs them
# under qemu-user (Debian's qemu-user-static), so the NEON kernels are
# checked against the Go ones.
test-arm64:
	@command -v qemu-aarch64-static >/dev/null || (apt-get update -qq && apt-get install -y -qq qemu-user-static)
	GOARCH=arm64 $(GO) vet $(KERNEL_PKGS)
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf $$tmp' EXIT; \
	for pkg in $$($(GO) list -f '{{if or .TestGoFiles .XTestGoFiles}}{{.Dir}}{{end}}' $(KERNEL_PKGS)); do \
		bin=$$tmp/$$(basename $$pkg).test; \
		GOARCH=arm64 $(GO) test -c -o $$bin $$pkg; \
		echo "qemu-aarch64 $$pkg"; \
		(cd $$pkg && qemu-aarch64-static $$bin -test.count=1); \
	done

# The pure-Go path: no assembly at all.
test-noasm:
	$(GO) build -tags noasm $(KERNEL_PKGS) ./runtime/ ./cli/...
	$(GO) test -count=1 -tags noasm $(KERNEL_PKGS)

# GFLOP/s of each VGG-16 convolution (1 and 2 threads), the whole 13-layer
# stack, and the FMA peak, on the selected tier (EDGECTL_KERNELS=avx2 for
# the AVX2 tier on an AVX-512 host). Run on an idle machine.
kernel-bench:
	$(GO) test -run '^$$' -bench '$(KERNEL_BENCH)' -benchtime $(KERNEL_BENCHTIME) -count $(KERNEL_COUNT) $(KERNEL_PKGS)

# The same layers through the reference kernel (slow: a few minutes).
kernel-bench-ref:
	$(GO) test -run '^$$' -bench 'VGG16ConvRef' -benchtime 1x -timeout 30m ./runtime/kernels/

# Fails when the committed assembly or its stubs differ from what
# tools/avogen generates now (an edit to the generator not regenerated, or
# a hand edit of its output). The first line, which names the output
# paths, is left out of the comparison.
check-kernels-generated:
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf $$tmp' EXIT; \
	(cd tools/avogen && $(GO) run . -out $$tmp/simd_amd64.s -stubs $$tmp/stubs_amd64.go -pkg simd); \
	ok=1; for f in simd_amd64.s stubs_amd64.go; do \
		tail -n +2 $(SIMD_DIR)/$$f > $$tmp/$$f.committed; tail -n +2 $$tmp/$$f > $$tmp/$$f.generated; \
		if ! diff -u $$tmp/$$f.committed $$tmp/$$f.generated > $$tmp/$$f.diff; then \
			ok=0; echo "$(SIMD_DIR)/$$f differs from tools/avogen's output (run make generate-kernels):"; head -40 $$tmp/$$f.diff; fi; \
	done; test $$ok = 1; echo "generated kernels up to date"

# The ONNX Runtime comparison of `edgectl bench --compare ort` (tools/bench,
# tools/ortbench). `make bench-deps` installs ONNX Runtime's CPU library from
# the npm package onnxruntime-node (with --ignore-scripts: its postinstall
# would download CUDA files; the package already ships libonnxruntime.so.1
# for linux x64 and arm64) into tools/ortbench/.cache/ort (gitignored there),
# and builds bin/edgectl-ort: edgectl with the "ort" engine, from the separate
# cgo module tools/ortbench with -tags ort. bin/edgectl and `go build ./...`
# need neither cgo nor the library.

ORT_NPM_VERSION ?= 1.30.0
ORT_DIR     := tools/ortbench/.cache/ort
ORT_ARCH    := $(subst aarch64,arm64,$(subst x86_64,x64,$(shell uname -m)))
ORT_STAMP   := $(ORT_DIR)/.installed-$(ORT_NPM_VERSION)
ORT_LIBGLOB := $(abspath $(ORT_DIR))/node_modules/onnxruntime-node/bin/napi-v*/linux/$(ORT_ARCH)/libonnxruntime.so.1
ORT_BIN     := bin/edgectl-ort
BENCH_ZOO   ?= yolov2 resnet50 mobilenet_v2

.PHONY: bench-deps bench-ort-test bench-compare

bench-deps: $(ORT_STAMP)
	@command -v gcc >/dev/null || (apt-get update -qq && apt-get install -y -qq gcc libc6-dev)
	@mkdir -p bin
	@# -mod=mod: tools/ortbench replaces edgectl with this tree, so a module
	@# that edgectl starts to use also lands in tools/ortbench/go.sum.
	lib=$$(ls $(ORT_LIBGLOB) | tail -n 1); \
	cd tools/ortbench && CGO_ENABLED=1 $(GO) build -mod=mod -tags ort \
		-ldflags "-X github.com/edgectl/edgectl/tools/ortbench.LibraryPath=$$lib" \
		-o $(abspath $(ORT_BIN)) ./cmd/edgectl-ort
	@echo "built $(ORT_BIN): $(ORT_BIN) bench MODEL --compare ort"

$(ORT_STAMP):
	@command -v npm >/dev/null || (apt-get update -qq && apt-get install -y -qq npm)
	mkdir -p $(ORT_DIR)
	npm install --prefix $(ORT_DIR) --ignore-scripts --no-audit --no-fund --no-save onnxruntime-node@$(ORT_NPM_VERSION)
	@ls $(ORT_LIBGLOB) >/dev/null || (echo "onnxruntime-node@$(ORT_NPM_VERSION) ships no libonnxruntime.so.1 for linux/$(ORT_ARCH)"; exit 1)
	touch $@

# The engine's own test (it skips when the library is missing).
bench-ort-test: bench-deps
	cd tools/ortbench && EDGECTL_ORT_LIB=$$(ls $(ORT_LIBGLOB) | tail -n 1) CGO_ENABLED=1 \
		$(GO) test -mod=mod -count=1 -tags ort ./...

# The measurements of the ORT comparison: the VGG-16 conv stack, whole
# models, and every VGG-16 conv alone, at 1 and 2 threads.
bench-compare: bench-deps
	for t in 1 2; do $(ORT_BIN) bench vgg16 --convs-only --threads $$t --compare ort; done
	for m in $(BENCH_ZOO); do for t in 1 2; do $(ORT_BIN) bench $$m --threads $$t --compare ort; done; done
	for t in 1 2; do $(ORT_BIN) bench vgg16 --convs-only --layers --threads $$t --compare ort; done

# mk/plugins.mk: WebAssembly kernel plugins (plugins/ABI.md). Included by the
# Makefile; also runs alone: make -f mk/plugins.mk plugins
#
#   plugins        installs clang and lld (Debian) if missing, then builds
#   plugins-build  builds only (the tests call it when a plugin is missing)
#   plugins-clean  removes plugins/build
#
# Outputs, in plugins/build/ (not committed):
#   simd.wasm               C, wasm SIMD128: 3x3/1x1 conv, GEMM micro-kernel
#   goscalar.wasm           Go (GOOS=wasip1), scalar, every ABI entry point
#   hostile_<kind>.wasm     misbehaving plugins the tests must contain

PLUGINS_MK    := $(lastword $(MAKEFILE_LIST))
GO            ?= go
PLUGINS_CC    ?= clang
PLUGINS_OUT   ?= plugins/build
PLUGINS_C     := plugins/examples/c/edgek.h plugins/examples/c/edgek_mem.c
# No libc, no entry point, no imports; bulk memory turns memcpy into
# memory.copy. The plugin's own allocator (edgek_mem.c) starts at __heap_base.
PLUGINS_CFLAGS := --target=wasm32 -O3 -mbulk-memory -nostdlib -ffreestanding \
	-Wall -Wextra -Werror -Wl,--no-entry -Wl,-z,stack-size=1048576 -Wl,--strip-all
HOSTILE_KINDS := loop recurse oob membomb wrong wrongshape overrun abi manifest import
PLUGINS_ALL   := $(PLUGINS_OUT)/simd.wasm $(PLUGINS_OUT)/goscalar.wasm \
	$(patsubst %,$(PLUGINS_OUT)/hostile_%.wasm,$(HOSTILE_KINDS)) $(PLUGINS_OUT)/hostile_loop_always.wasm

.PHONY: plugins plugins-build plugins-clean

plugins:
	@command -v $(PLUGINS_CC) >/dev/null && command -v wasm-ld >/dev/null || \
		(apt-get update -qq && apt-get install -y -qq clang lld)
	@$(MAKE) --no-print-directory -f $(PLUGINS_MK) plugins-build

plugins-build: $(PLUGINS_ALL)

# -disable-lsr keeps the loads on one base pointer with constant offsets:
# wazero then checks the bounds once per base and block instead of once per
# load (1.2-1.5x on the convolution).
$(PLUGINS_OUT)/simd.wasm: plugins/examples/simd/simd.c $(PLUGINS_C)
	@mkdir -p $(@D)
	$(PLUGINS_CC) $(PLUGINS_CFLAGS) -msimd128 -mllvm -disable-lsr -o $@.tmp $< plugins/examples/c/edgek_mem.c && mv $@.tmp $@

$(PLUGINS_OUT)/goscalar.wasm: $(wildcard plugins/examples/goscalar/*.go)
	@mkdir -p $(@D)
	GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -trimpath -buildvcs=false -o $@.tmp ./plugins/examples/goscalar && mv $@.tmp $@

# hostile_import links with an undefined import on purpose.
$(PLUGINS_OUT)/hostile_%.wasm: plugins/testdata/hostile/hostile.c $(PLUGINS_C)
	@mkdir -p $(@D)
	$(PLUGINS_CC) $(PLUGINS_CFLAGS) -DHOSTILE_$(shell echo $* | tr a-z A-Z) \
		$(if $(filter import,$*),-Wl$(PLUGINS_COMMA)--allow-undefined) -o $@.tmp $< plugins/examples/c/edgek_mem.c && mv $@.tmp $@

# The same endless loop on every tile: refused by the conformance check.
$(PLUGINS_OUT)/hostile_loop_always.wasm: plugins/testdata/hostile/hostile.c $(PLUGINS_C)
	@mkdir -p $(@D)
	$(PLUGINS_CC) $(PLUGINS_CFLAGS) -DHOSTILE_LOOP -DTRIGGER=0 -o $@.tmp $< plugins/examples/c/edgek_mem.c && mv $@.tmp $@

plugins-clean:
	rm -rf $(PLUGINS_OUT)

PLUGINS_COMMA := ,

package plugins

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
)

func TestGuardFunctionEntries(t *testing.T) {
	for _, name := range []string{"simd", "goscalar", "hostile_recurse"} {
		t.Run(name, func(t *testing.T) {
			wasm, err := os.ReadFile(pluginPath(t, name))
			if err != nil {
				t.Fatal(err)
			}
			guarded, err := guardFunctionEntries(wasm)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler())
			defer r.Close(ctx)
			before, err := r.CompileModule(ctx, wasm)
			if err != nil {
				t.Fatal(err)
			}
			after, err := r.CompileModule(ctx, guarded)
			if err != nil {
				t.Fatalf("guarded module does not compile: %v", err)
			}
			if len(before.ExportedFunctions()) != len(after.ExportedFunctions()) || len(before.ImportedFunctions()) != len(after.ImportedFunctions()) {
				t.Error("exports or imports changed")
			}
			if n := bytes.Count(guarded, []byte{0x03, 0x40, 0x0b}) - bytes.Count(wasm, []byte{0x03, 0x40, 0x0b}); n < 5 {
				t.Errorf("only %d guards added", n)
			}
		})
	}
}

func TestGuardFunctionEntries_Malformed(t *testing.T) {
	for _, tc := range []struct {
		name string
		wasm []byte
		want string
	}{
		{"not wasm", []byte("hello world"), "not a WebAssembly binary"},
		{"version", []byte("\x00asm\x02\x00\x00\x00"), "version 2"},
		{"section past end", []byte("\x00asm\x01\x00\x00\x00\x01\x7f"), "runs past the end"},
		{"truncated leb", []byte("\x00asm\x01\x00\x00\x00\x0a\xff"), "truncated"},
		{"body past section", []byte("\x00asm\x01\x00\x00\x00\x0a\x03\x01\x09\x00"), "runs past the section"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := guardFunctionEntries(tc.wasm)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

package plugins

import (
	"strings"
	"testing"
)

func TestParseManifest(t *testing.T) {
	for _, tc := range []struct {
		name, json string
		want       []string // substrings of the error; none: valid
	}{
		{"valid", `{"abi":1,"name":"n","version":"1","kernels":[{"op":"conv2d","dtypes":["float32"],"layouts":["NCHW"],"kernel_sizes":[[3,3]],"epilogues":["none","relu"]},{"op":"gemm","dtypes":["float32"],"layouts":["row_major"]}]}`, nil},
		{"unknown field", `{"abi":1,"name":"n","version":"1","kernels":[],"extra":1}`, []string{`unknown field "extra"`}},
		{"trailing", `{"abi":1,"name":"n","version":"1","kernels":[{"op":"gemm","dtypes":["float32"],"layouts":["row_major"]}]} {}`, []string{"trailing data"}},
		{"every problem", `{"abi":2,"name":"","version":"","kernels":[
			{"op":"conv9d"},
			{"op":"conv2d","dtypes":["float16"],"layouts":["NHWC"],"kernel_sizes":[[3]],"strides":[[0,1]],"epilogues":["gelu"]},
			{"op":"conv2d","dtypes":["float32"],"layouts":["NCHW"]},
			{"op":"gemm","dtypes":["float32"],"layouts":["row_major"],"kernel_sizes":[[1,1]]},
			{"op":"maxpool2d","dtypes":["float32"],"layouts":["NCHW"],"kernel_sizes":[[2,2]],"epilogues":["relu"]}]}`,
			[]string{"abi 2, this host speaks 1", "name is empty", "version is empty", `unknown op "conv9d"`,
				`dtypes ["float16"]`, `layouts ["NHWC"]`, "kernel_sizes entry [3]", "strides entry [0 1]", `epilogue "gelu"`,
				"op listed twice", "kernel_sizes is required", "do not apply to gemm", `epilogue "relu" is not supported for maxpool2d`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseManifest([]byte(tc.json))
			if len(tc.want) == 0 {
				if err != nil || m == nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not mention %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestKernels_Window(t *testing.T) {
	m, err := ParseManifest([]byte(`{"abi":1,"name":"n","version":"1","kernels":[{"op":"conv2d","dtypes":["float32"],"layouts":["NCHW"],"kernel_sizes":[[3,3]],"strides":[[1,1],[2,2]],"max_channels":64}]}`))
	if err != nil {
		t.Fatal(err)
	}
	k := m.kernels(opConv2D)
	for _, tc := range []struct {
		kh, kw, s, d, c int
		why             string
	}{
		{3, 3, 1, 1, 64, ""},
		{3, 3, 2, 1, 8, ""},
		{5, 5, 1, 1, 8, "kernel 5x5"},
		{3, 3, 3, 1, 8, "strides 3x3"},
		{3, 3, 1, 2, 8, "dilations 2x2"},
		{3, 3, 1, 1, 65, "65 channels"},
	} {
		why := k.window(tc.kh, tc.kw, tc.s, tc.s, tc.d, tc.d, tc.c)
		if (tc.why == "") != (why == "") || !strings.Contains(why, tc.why) {
			t.Errorf("window(%+v) = %q, want %q", tc, why, tc.why)
		}
	}
	if m.kernels(opGemm) != nil || k.epilogue(epilogueReLU) || !k.epilogue(epilogueNone) {
		t.Error("gemm or relu claimed")
	}
}

package plugins

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// Manifest is what a plugin says it can do: the JSON document behind
// edgek_manifest_ptr/len (ABI.md, "Manifest"). It is decoded strictly:
// unknown fields are errors.
type Manifest struct {
	ABI     int       `json:"abi"`
	Name    string    `json:"name"`
	Version string    `json:"version"`
	Vendor  string    `json:"vendor,omitempty"`
	Kernels []Kernels `json:"kernels"`
}

// Kernels are the capabilities of one op kind.
type Kernels struct {
	// Op is conv2d, dwconv2d, gemm, maxpool2d or avgpool2d.
	Op string `json:"op"`
	// DTypes must be ["float32"] in ABI 1.
	DTypes []string `json:"dtypes"`
	// Layouts: ["NCHW"] for the window ops, ["row_major"] for gemm.
	Layouts []string `json:"layouts"`
	// KernelSizes lists the [kh, kw] served (window ops; required).
	KernelSizes [][]int `json:"kernel_sizes,omitempty"`
	// Strides and Dilations list the [h, w] pairs served; absent means [[1,1]].
	Strides   [][]int `json:"strides,omitempty"`
	Dilations [][]int `json:"dilations,omitempty"`
	// Epilogues fused after the bias: "none" (always assumed) and "relu".
	Epilogues []string `json:"epilogues,omitempty"`
	// MaxChannels bounds input and output channels (window ops); 0: none.
	MaxChannels int `json:"max_channels,omitempty"`
	// MaxK and MaxN bound gemm's inner and output dimensions; 0: none.
	MaxK int `json:"max_k,omitempty"`
	MaxN int `json:"max_n,omitempty"`
}

// ParseManifest decodes and validates a manifest, reporting every problem.
func ParseManifest(data []byte) (*Manifest, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	if dec.More() {
		return nil, errors.New("manifest: trailing data after the JSON object")
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// Validate reports every problem of m at once.
func (m *Manifest) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if m.ABI != ABIVersion {
		bad("manifest: abi %d, this host speaks %d", m.ABI, ABIVersion)
	}
	if m.Name == "" {
		bad("manifest: name is empty")
	}
	if m.Version == "" {
		bad("manifest: version is empty")
	}
	if len(m.Kernels) == 0 {
		bad("manifest: no kernels")
	}
	seen := map[string]bool{}
	for i, k := range m.Kernels {
		where := fmt.Sprintf("manifest: kernels[%d] (%s)", i, k.Op)
		kind, ok := kindByName(k.Op)
		if !ok {
			bad("%s: unknown op %q (want conv2d, dwconv2d, gemm, maxpool2d or avgpool2d)", where, k.Op)
			continue
		}
		if seen[k.Op] {
			bad("%s: op listed twice", where)
		}
		seen[k.Op] = true
		if !slices.Equal(k.DTypes, []string{"float32"}) {
			bad("%s: dtypes %q, want [\"float32\"]", where, k.DTypes)
		}
		layout := "NCHW"
		if kind == opGemm {
			layout = "row_major"
		}
		if !slices.Equal(k.Layouts, []string{layout}) {
			bad("%s: layouts %q, want [%q]", where, k.Layouts, layout)
		}
		if kind == opGemm {
			if len(k.KernelSizes)+len(k.Strides)+len(k.Dilations) > 0 || k.MaxChannels != 0 {
				bad("%s: kernel_sizes, strides, dilations and max_channels do not apply to gemm", where)
			}
		} else {
			if len(k.KernelSizes) == 0 {
				bad("%s: kernel_sizes is required", where)
			}
			checkPairs(bad, where, "kernel_sizes", k.KernelSizes, 31)
			checkPairs(bad, where, "strides", k.Strides, 16)
			checkPairs(bad, where, "dilations", k.Dilations, 16)
			if k.MaxK != 0 || k.MaxN != 0 {
				bad("%s: max_k and max_n apply to gemm only", where)
			}
		}
		for _, e := range k.Epilogues {
			switch {
			case e == "none":
			case e == "relu" && (kind == opConv2D || kind == opDWConv2D || kind == opGemm):
			default:
				bad("%s: epilogue %q is not supported for %s", where, e, k.Op)
			}
		}
		if k.MaxChannels < 0 || k.MaxK < 0 || k.MaxN < 0 {
			bad("%s: negative limit", where)
		}
	}
	return errors.Join(errs...)
}

func checkPairs(bad func(string, ...any), where, name string, pairs [][]int, max int) {
	for _, p := range pairs {
		if len(p) != 2 || p[0] < 1 || p[1] < 1 || p[0] > max || p[1] > max {
			bad("%s: %s entry %v is not a pair of values in [1, %d]", where, name, p, max)
		}
	}
}

func kindByName(name string) (opKind, bool) {
	for k, n := range opNames {
		if n == name {
			return k, true
		}
	}
	return 0, false
}

// kernels returns the capabilities for kind, or nil.
func (m *Manifest) kernels(kind opKind) *Kernels {
	for i := range m.Kernels {
		if m.Kernels[i].Op == kind.String() {
			return &m.Kernels[i]
		}
	}
	return nil
}

// Kinds lists the op kinds the manifest serves, in ABI order.
func (m *Manifest) kinds() []opKind {
	var out []opKind
	for k := opConv2D; k <= opAvgPool2D; k++ {
		if m.kernels(k) != nil {
			out = append(out, k)
		}
	}
	return out
}

func hasPair(list [][]int, a, b int, def bool) bool {
	if len(list) == 0 {
		return def && a == 1 && b == 1
	}
	for _, p := range list {
		if p[0] == a && p[1] == b {
			return true
		}
	}
	return false
}

// window reports whether the kernel set serves a window of the given
// geometry, and why not.
func (k *Kernels) window(kh, kw, sh, sw, dh, dw, channels int) string {
	switch {
	case !hasPair(k.KernelSizes, kh, kw, false):
		return fmt.Sprintf("kernel %dx%d is not in the manifest", kh, kw)
	case !hasPair(k.Strides, sh, sw, true):
		return fmt.Sprintf("strides %dx%d are not in the manifest", sh, sw)
	case !hasPair(k.Dilations, dh, dw, true):
		return fmt.Sprintf("dilations %dx%d are not in the manifest", dh, dw)
	case k.MaxChannels > 0 && channels > k.MaxChannels:
		return fmt.Sprintf("%d channels exceed the manifest's %d", channels, k.MaxChannels)
	}
	return ""
}

// epilogue reports whether the kernel set fuses e.
func (k *Kernels) epilogue(e int32) bool {
	if e == epilogueNone {
		return true
	}
	return e == epilogueReLU && slices.Contains(k.Epilogues, "relu")
}

package plugins

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

// Info is what Inspect reads from a plugin without running any kernel.
type Info struct {
	Path     string    `json:"path"`
	SHA256   string    `json:"sha256"`
	Size     int       `json:"size"`
	Manifest *Manifest `json:"manifest"`
	Imports  []string  `json:"imports"`
	Exports  []string  `json:"exports"`
	Compile  string    `json:"compile_time"`
}

// Inspect loads the plugin at path (guarded), checks its imports, exports,
// ABI version and manifest, and returns them. It runs no kernel: use Open
// for the conformance check.
func Inspect(path string, opts Options) (*Info, error) {
	wasm, digest, err := readPlugin(path)
	if err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	p := &Plugin{path: path, digest: digest, opts: opts, log: opts.Logger, host: &wasiHost{}}
	p.cond = sync.NewCond(&p.mu)
	start := time.Now()
	eng, err := newEngine(context.Background(), wasm, true, opts, p.host)
	if err != nil {
		return nil, fmt.Errorf("plugin %s: %w", path, err)
	}
	info := &Info{Path: path, SHA256: digest, Size: len(wasm), Compile: time.Since(start).Round(time.Millisecond).String()}
	p.eng = eng
	defer p.Close()
	for _, f := range eng.compiled.ImportedFunctions() {
		mod, name, _ := f.Import()
		info.Imports = append(info.Imports, mod+"."+name)
	}
	for name := range eng.compiled.ExportedFunctions() {
		info.Exports = append(info.Exports, name)
	}
	sort.Strings(info.Imports)
	sort.Strings(info.Exports)
	in, err := p.acquire()
	if err != nil {
		return nil, fmt.Errorf("plugin %s: %w", path, err)
	}
	m, err := in.handshake()
	p.release(in)
	if err != nil {
		return nil, fmt.Errorf("plugin %s: %w", path, err)
	}
	if err := eng.checkKernelExports(m); err != nil {
		return nil, fmt.Errorf("plugin %s: %w", path, err)
	}
	info.Manifest = m
	return info, nil
}

// Format writes the information as text, or as JSON with asJSON.
func (i *Info) Format(w io.Writer, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(i)
	}
	m := i.Manifest
	fmt.Fprintf(w, "plugin   %s\nsha256   %s\nsize     %d bytes, loaded in %s (compile or cache)\n", i.Path, i.SHA256, i.Size, i.Compile)
	fmt.Fprintf(w, "abi      %d\nname     %s %s", m.ABI, m.Name, m.Version)
	if m.Vendor != "" {
		fmt.Fprintf(w, " (%s)", m.Vendor)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "op\tdtypes\tlayouts\tkernels\tstrides\tdilations\tepilogues\tlimits")
	for _, k := range m.Kernels {
		var limits []string
		if k.MaxChannels > 0 {
			limits = append(limits, fmt.Sprintf("channels<=%d", k.MaxChannels))
		}
		if k.MaxK > 0 {
			limits = append(limits, fmt.Sprintf("K<=%d", k.MaxK))
		}
		if k.MaxN > 0 {
			limits = append(limits, fmt.Sprintf("N<=%d", k.MaxN))
		}
		epi := append([]string{"none"}, k.Epilogues...)
		strides, dilations := pairs(k.Strides, "1x1"), pairs(k.Dilations, "1x1")
		if k.Op == "gemm" {
			strides, dilations = "-", "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.Op, strings.Join(k.DTypes, ","), strings.Join(k.Layouts, ","),
			pairs(k.KernelSizes, "-"), strides, dilations, strings.Join(dedup(epi), ","), strings.Join(limits, " "))
	}
	tw.Flush()
	imports := "none"
	if len(i.Imports) > 0 {
		imports = strings.Join(i.Imports, " ")
	}
	fmt.Fprintf(w, "imports  %s\nexports  %s\n", imports, strings.Join(i.Exports, " "))
	return nil
}

func pairs(list [][]int, def string) string {
	if len(list) == 0 {
		return def
	}
	s := make([]string, len(list))
	for i, p := range list {
		s[i] = fmt.Sprintf("%dx%d", p[0], p[1])
	}
	return strings.Join(s, ",")
}

func dedup(s []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

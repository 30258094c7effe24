package cluster

import (
	"strings"
)

// go.yaml.in/yaml/v3 keeps comments but not blank lines. keepBlankLines
// puts back, in out, the blank line that src had before the block of a
// top-level key (the key and the comments right above it), so that an
// edited file keeps its sections apart.
func keepBlankLines(src, out []byte) []byte {
	in := strings.Split(string(src), "\n")
	spaced := map[string]bool{}
	for key, start := range blocks(in) {
		spaced[key] = start > 0 && strings.TrimSpace(in[start-1]) == ""
	}
	lines := strings.Split(string(out), "\n")
	blank := map[int]bool{}
	for key, start := range blocks(lines) {
		blank[start] = spaced[key] && start > 0 && lines[start-1] != ""
	}
	var b strings.Builder
	for i, l := range lines {
		if blank[i] {
			b.WriteString("\n")
		}
		b.WriteString(l)
		if i < len(lines)-1 {
			b.WriteString("\n")
		}
	}
	return []byte(b.String())
}

// blocks maps each top-level key of a YAML file's lines to the first line
// of its block: the first of the comment lines right above it, or its own.
func blocks(lines []string) map[string]int {
	out := map[string]int{}
	for i, l := range lines {
		if l == "" || strings.ContainsRune(" #-\t", rune(l[0])) {
			continue
		}
		key, _, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		start := i
		for start > 0 && strings.HasPrefix(lines[start-1], "#") {
			start--
		}
		out[key] = start
	}
	return out
}

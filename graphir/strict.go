package graphir

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	yaml3 "go.yaml.in/yaml/v3"
	kjson "sigs.k8s.io/json"
)

// DecodeStrict decodes a file that users keep (a plan, a cluster file):
// YAML 1.2 or JSON (JSON is YAML), into v strictly: go.yaml.in/yaml/v3
// parses it, sigs.k8s.io/json decodes it. Every unknown field, field whose
// case differs from its declaration ("ApiVersion" for "apiVersion") and
// field given twice is reported at once, each with its line and path; so
// are syntax errors and data after the document. name (a file name) prefixes every problem;
// with name "" a problem starts with its line ("line 4: ...").
func DecodeStrict(name string, data []byte, v any) error {
	_, err := DecodeStrictLines(name, data, v)
	return err
}

// Lines tells the line of a field or element of a decoded document by its
// path ("devices[2].class"; "" for the document), 0 when there is none;
// checks after decoding (Validate) use it to place their problems.
type Lines func(path string) int

// DecodeStrictLines is DecodeStrict that also returns the document's Lines.
func DecodeStrictLines(name string, data []byte, v any) (Lines, error) {
	lines, err := decodeStrict(name, data, v)
	if lines == nil {
		lines = func(string) int { return 0 }
	}
	return lines, err
}

func decodeStrict(name string, data []byte, v any) (Lines, error) {
	var root yaml3.Node
	dec := yaml3.NewDecoder(strings.NewReader(string(data)))
	if err := dec.Decode(&root); err != nil {
		return nil, fmt.Errorf("%s%s", prefix(name), strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var second yaml3.Node
	if err := dec.Decode(&second); err != io.EOF {
		return nil, fmt.Errorf("%sunexpected data after the document", at(name, second.Line))
	}
	// go.yaml.in/yaml/v3 reads YAML 1.2, where `to: y` is the string "y"
	// (an ONNX value name), not YAML 1.1's true; sigs.k8s.io/yaml.YAMLToJSON
	// reads YAML 1.1.
	var problems []string
	for _, k := range dropRepeated(&root) {
		problems = append(problems, fmt.Sprintf("%sfield %q is given twice", at(name, k.Line), k.Value))
	}
	lines := func(path string) int {
		if n := nodeAt(&root, path); n != nil {
			return n.Line
		}
		return 0
	}
	var tree any
	if err := root.Decode(&tree); err != nil {
		return lines, fmt.Errorf("%s%v", prefix(name), err)
	}
	js, err := json.Marshal(tree)
	if err != nil {
		return lines, fmt.Errorf("%s%v", prefix(name), err)
	}
	strict, err := kjson.UnmarshalStrict(js, v)
	for _, e := range strict {
		problems = append(problems, strictProblem(name, &root, e.Error()))
	}
	if err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			problems = append(problems, fmt.Sprintf("%s%s: %s where %s is wanted", prefix(name), te.Field, te.Value, te.Type))
		} else {
			problems = append(problems, fmt.Sprintf("%s%v", prefix(name), err))
		}
	}
	switch len(problems) {
	case 0:
		return lines, nil
	case 1:
		return lines, errors.New(problems[0])
	}
	errs := []error{fmt.Errorf("%s%d problems", prefix(name), len(problems))}
	for _, p := range problems {
		errs = append(errs, errors.New(p))
	}
	return lines, errors.Join(errs...)
}

// prefix is "name: ", or nothing without a name.
func prefix(name string) string {
	if name == "" {
		return ""
	}
	return name + ": "
}

// at is "name:line: ", or "line N: " without a name.
func at(name string, line int) string {
	if name == "" {
		return fmt.Sprintf("line %d: ", line)
	}
	return fmt.Sprintf("%s:%d: ", name, line)
}

// dropRepeated removes every repeated key (and its value) of the mappings
// under n, so that the rest of the document still decodes and is checked,
// and returns the removed keys.
func dropRepeated(n *yaml3.Node) []*yaml3.Node {
	var out []*yaml3.Node
	if n.Kind == yaml3.MappingNode {
		seen := map[string]bool{}
		kept := n.Content[:0]
		for k := 0; k+1 < len(n.Content); k += 2 {
			key := n.Content[k]
			if key.Kind == yaml3.ScalarNode && seen[key.Value] {
				out = append(out, key)
				continue
			}
			seen[key.Value] = true
			kept = append(kept, key, n.Content[k+1])
		}
		n.Content = kept
	}
	for _, c := range n.Content {
		out = append(out, dropRepeated(c)...)
	}
	return out
}

var reStrictField = regexp.MustCompile(`^(unknown|duplicate) field "(.*)"$`)

// strictProblem places a strict error of sigs.k8s.io/json (`unknown field
// "stages[0].split.weights"`) at its line.
func strictProblem(name string, root *yaml3.Node, msg string) string {
	m := reStrictField.FindStringSubmatch(msg)
	if m == nil {
		return prefix(name) + msg
	}
	path := m[2]
	parent, field := "", path
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		parent, field = path[:i], path[i+1:]
	}
	what := fmt.Sprintf("unknown field %q", field)
	if m[1] == "duplicate" {
		what = fmt.Sprintf("field %q is given twice", field)
	}
	where := prefix(name)
	if n := nodeAt(root, path); n != nil {
		where = at(name, n.Line)
	}
	if parent == "" {
		return where + what
	}
	return fmt.Sprintf("%s%s: %s", where, parent, what)
}

var reStep = regexp.MustCompile(`([^.\[\]]+)|\[(\d+)\]`)

// nodeAt finds the key node (or element) at a path like "a.b[2].c"; the
// document's node for "".
func nodeAt(n *yaml3.Node, path string) *yaml3.Node {
	if n.Kind == yaml3.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	at := n
	for _, m := range reStep.FindAllStringSubmatch(path, -1) {
		if n == nil {
			return nil
		}
		switch {
		case m[2] != "":
			i, _ := strconv.Atoi(m[2])
			if n.Kind != yaml3.SequenceNode || i >= len(n.Content) {
				return nil
			}
			n = n.Content[i]
			at = n
		default:
			if n.Kind != yaml3.MappingNode {
				return nil
			}
			var key, next *yaml3.Node
			for k := 0; k+1 < len(n.Content); k += 2 {
				if n.Content[k].Value == m[1] {
					key, next = n.Content[k], n.Content[k+1]
				}
			}
			if key == nil {
				return nil
			}
			at, n = key, next
		}
	}
	return at
}

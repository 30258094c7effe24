package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/importer"
	"github.com/edgectl/edgectl/importer/onnxpb"
	"github.com/edgectl/edgectl/internal/testenv"
	"github.com/edgectl/edgectl/runtime"
	"github.com/edgectl/edgectl/runtime/verify"
)

// sharedDir is the shared folder (testenv.Shared).
func sharedDir(t testing.TB) string { return testenv.Shared(t) }

// Import errors that mean "not supported" (a data type or attribute value
// edgectl does not handle), not a bug.
var (
	reDType       = regexp.MustCompile(`unsupported data type ([a-z0-9]+)`)
	reUnsupported = regexp.MustCompile(`[^:]*(is|are) not supported`)
)

// skipReason tells whether an import error is an honest "not supported" (a
// data type or attribute value edgectl does not handle) and names it.
func skipReason(err error) (string, bool) {
	msg := err.Error()
	if m := reDType.FindStringSubmatch(msg); m != nil {
		return "unsupported data type " + m[1], true
	}
	if strings.Contains(msg, "is not a tensor") {
		return "unsupported data type (sequence or optional)", true
	}
	if m := reUnsupported.FindString(msg); m != "" {
		return strings.TrimSpace(m), true
	}
	return "", false
}

// readModel reads a case's model.
func readModel(dir string) (*onnxpb.ModelProto, error) {
	b, err := os.ReadFile(filepath.Join(dir, "model.onnx"))
	if err != nil {
		return nil, err
	}
	m := &onnxpb.ModelProto{}
	if err := proto.Unmarshal(b, m); err != nil {
		return nil, err
	}
	return m, nil
}

// caseInputs reads a case's graph inputs and reference data.
func caseInputs(dir string, m *onnxpb.ModelProto) ([]*graphir.Tensor, []string, error) {
	var ins []*graphir.Tensor
	var names []string
	for k, vi := range m.GetGraph().GetInput() {
		t, _, err := importer.ReadTensorFile(filepath.Join(dir, "test_data_set_0", fmt.Sprintf("input_%d.pb", k)))
		if err != nil {
			return nil, nil, err
		}
		ins = append(ins, t)
		names = append(names, vi.GetName())
	}
	return ins, names, nil
}

// runCase imports and runs one conformance case. Int64 graph inputs (shape
// arguments: a Reshape target, Slice starts) are bound as constants so the
// graph is static; if the import still needs constants, every input is
// bound and the node is evaluated by constant folding through the same
// reference kernels.
func runCase(dir string) (skip string, err error) {
	m, err := readModel(dir)
	if err != nil {
		return "", err
	}
	for _, vi := range m.GetGraph().GetInput() {
		if tt := vi.GetType().GetTensorType(); tt == nil {
			return "unsupported data type (sequence or optional)", nil
		} else if et := tt.GetElemType(); et != int32(onnxpb.TensorProto_FLOAT) && et != int32(onnxpb.TensorProto_INT64) {
			return "unsupported data type " + importer.DTypeName(et), nil
		}
	}
	for _, vi := range m.GetGraph().GetOutput() {
		if tt := vi.GetType().GetTensorType(); tt != nil {
			if et := tt.GetElemType(); et != int32(onnxpb.TensorProto_FLOAT) && et != int32(onnxpb.TensorProto_INT64) {
				return "unsupported data type " + importer.DTypeName(et), nil
			}
		}
	}
	ins, names, err := caseInputs(dir, m)
	if err != nil {
		return "", err
	}
	bind := map[string]*graphir.Tensor{}
	for i, t := range ins {
		if t.DType == graphir.Int64 {
			bind[names[i]] = t
		}
	}
	path := filepath.Join(dir, "model.onnx")
	g, err := importer.LoadFile(path, importer.Options{Bind: bind})
	if err != nil && strings.Contains(err.Error(), "not constant") {
		for i, t := range ins {
			bind[names[i]] = t
		}
		g, err = importer.LoadFile(path, importer.Options{Bind: bind})
	}
	if err != nil {
		if r, ok := skipReason(err); ok {
			return r, nil
		}
		return "", err
	}
	inputs := map[string]*graphir.Tensor{}
	for i, t := range ins {
		if bind[names[i]] == nil {
			inputs[names[i]] = t
		}
	}
	e, err := runtime.New(g)
	if err != nil {
		return "", err
	}
	got, err := e.Run(context.Background(), inputs)
	if err != nil {
		return "", err
	}
	want, err := verify.LoadOutputs(filepath.Join(dir, "test_data_set_0"))
	if err != nil {
		return "", err
	}
	if len(want) != len(g.Outputs) {
		return "", fmt.Errorf("%d reference outputs, graph has %d", len(want), len(g.Outputs))
	}
	var errs []error
	for i, v := range g.Outputs {
		o := verify.Compare(v.Name, got[v.Name], want[i])
		if !o.OK {
			errs = append(errs, fmt.Errorf("output %q: %s max abs %.3g max rel %.3g", v.Name, o.Err, o.MaxAbs, o.MaxRel))
		}
	}
	return "", errors.Join(errs...)
}

// TestONNXNodeConformance runs every case in shared/onnx-node-tests: each
// passes or is skipped with a named reason; the summary lists the skips
// grouped by reason.
func TestONNXNodeConformance(t *testing.T) {
	root := filepath.Join(sharedDir(t), "onnx-node-tests")
	dirs, err := filepath.Glob(filepath.Join(root, "test_*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no conformance cases under %s", root)
	}
	sort.Strings(dirs)
	skips := map[string][]string{}
	passed, skipped := 0, 0
	for _, dir := range dirs {
		name := filepath.Base(dir)
		reason, err := runCase(dir)
		switch {
		case err != nil:
			t.Errorf("%s: %v", name, err)
		case reason != "" && !strings.HasPrefix(reason, "unsupported data type"):
			// Every float32 and int64 case must pass; only other data types
			// may be skipped.
			t.Errorf("%s: skipped for a reason other than its data type: %s", name, reason)
		case reason != "":
			skipped++
			skips[reason] = append(skips[reason], name)
		default:
			passed++
		}
	}
	reasons := make([]string, 0, len(skips))
	for r := range skips {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	for _, r := range reasons {
		t.Logf("skip (%d) %s: %s", len(skips[r]), r, strings.Join(skips[r], " "))
	}
	t.Logf("onnx node tests: %d passed, %d skipped, %d failed of %d", passed, skipped, len(dirs)-passed-skipped, len(dirs))
}

package importer

import (
	"errors"
	"fmt"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/importer/onnxpb"
)

// Supported range of the default ONNX domain's opset.
const (
	MinOpset = 7
	MaxOpset = 25
)

// Options adjust an import.
type Options struct {
	// InputShapes gives the full shape of graph inputs, by name, where the
	// model leaves dimensions symbolic (a batch dimension left symbolic
	// defaults to 1 without it).
	InputShapes map[string]graphir.Shape
	// Bind turns graph inputs into constants with these values. The operator
	// conformance tests bind inputs that feed shape arguments (a Reshape's
	// target, a Resize's sizes) so that the graph becomes static.
	Bind map[string]*graphir.Tensor
	// KeepUnfolded skips constant folding and batch-norm folding (for tests
	// that compare folded and unfolded graphs).
	KeepUnfolded bool
	// SkipConst, for .edgeir files, leaves out the data of every weight (a
	// float32 constant of more than SmallConst elements) for which it
	// returns true: its Value.Const then has the type and shape but no
	// data, and the graph can run only nodes that do not read it. A worker
	// uses it to read just the weights of the layers it runs.
	SkipConst func(name string) bool
	// HugePages, for .edgeir files, asks the kernel for transparent huge
	// pages (madvise, Linux) for weights of at least 4 MB before reading
	// them in: a worker reading its weights then faults a 2 MB page at a
	// time, not 4 KB (VGG-16 on one local worker: 205,000 faults a
	// session -> 79,000). Not for reads that leave parts of a tensor
	// untouched (a worker's sparse reads): a huge page makes a whole 2 MB
	// resident.
	HugePages bool
}

// SmallConst is the size up to which constants are always read: scalars and
// shape arguments that shape inference may read.
const SmallConst = 64

// build converts a decoded ONNX model into a graph with unchecked shapes.
func build(d *decoded, dir string, opts Options) (*graphir.Graph, error) {
	m := d.model
	opset := -1
	for _, o := range m.GetOpsetImport() {
		if o.GetDomain() == "" || o.GetDomain() == "ai.onnx" {
			opset = int(o.GetVersion())
		}
	}
	if opset < 0 {
		return nil, errors.New("model imports no version of the default ONNX opset")
	}
	if opset < MinOpset || opset > MaxOpset {
		return nil, fmt.Errorf("opset %d is not supported (edgectl reads %d to %d)", opset, MinOpset, MaxOpset)
	}
	gp := m.GetGraph()
	if gp == nil {
		return nil, errors.New("model has no graph")
	}
	g := &graphir.Graph{Name: gp.GetName(), Opset: opset}
	values := map[string]*graphir.Value{}

	for i, t := range gp.GetInitializer() {
		if t.GetName() == "" {
			return nil, fmt.Errorf("initializer %d has no name", i)
		}
		src := tensorSource{raw: d.rawData[i], dir: dir, release: d.release}
		c, err := convertTensor(t, src)
		if err != nil {
			return nil, fmt.Errorf("initializer: %w", err)
		}
		values[t.GetName()] = &graphir.Value{Name: t.GetName(), DType: c.DType, Shape: c.Shape, Const: c}
	}
	if len(gp.GetSparseInitializer()) > 0 {
		return nil, errors.New("sparse initializers are not supported")
	}
	for _, vi := range gp.GetInput() {
		name := vi.GetName()
		if _, isInit := values[name]; isInit {
			continue // an input with a default value: a constant for inference
		}
		if c, ok := opts.Bind[name]; ok {
			values[name] = &graphir.Value{Name: name, DType: c.DType, Shape: c.Shape.Clone(), Const: c}
			continue
		}
		v, err := graphInput(vi, opts.InputShapes[name])
		if err != nil {
			return nil, err
		}
		values[name] = v
		g.Inputs = append(g.Inputs, v)
	}

	for i, np := range gp.GetNode() {
		name := np.GetName()
		if name == "" {
			name = fmt.Sprintf("%s_%d", np.GetOpType(), i)
		}
		if dom := np.GetDomain(); dom != "" && dom != "ai.onnx" {
			return nil, fmt.Errorf("node %q: op %s of domain %q is not supported", name, np.GetOpType(), dom)
		}
		op, ok := graphir.ParseOp(np.GetOpType())
		if !ok {
			return nil, fmt.Errorf("node %q: op %s is not supported", name, np.GetOpType())
		}
		attrs := graphir.Attrs{}
		src := tensorSource{dir: dir}
		for _, a := range np.GetAttribute() {
			if a.GetRefAttrName() != "" {
				return nil, fmt.Errorf("node %q: attribute %q refers to a function attribute", name, a.GetName())
			}
			v, err := convertAttr(a, src)
			if err != nil {
				return nil, fmt.Errorf("node %q (%s): %w", name, op, err)
			}
			attrs[a.GetName()] = v
		}
		n := &graphir.Node{Name: name, Op: op, Opset: opset, Attrs: attrs}
		for j, in := range np.GetInput() {
			if in == "" {
				n.Inputs = append(n.Inputs, nil)
				continue
			}
			v, ok := values[in]
			if !ok {
				return nil, fmt.Errorf("node %q (%s): input %d %q is not defined before it is used", name, op, j, in)
			}
			n.Inputs = append(n.Inputs, v)
		}
		for _, out := range np.GetOutput() {
			if out == "" {
				n.Outputs = append(n.Outputs, nil)
				continue
			}
			if _, dup := values[out]; dup {
				return nil, fmt.Errorf("node %q (%s): output %q is already defined", name, op, out)
			}
			v := &graphir.Value{Name: out}
			values[out] = v
			n.Outputs = append(n.Outputs, v)
		}
		if len(n.Outputs) == 0 {
			return nil, fmt.Errorf("node %q (%s): has no outputs", name, op)
		}
		g.Nodes = append(g.Nodes, n)
	}
	for _, vi := range gp.GetOutput() {
		v, ok := values[vi.GetName()]
		if !ok {
			return nil, fmt.Errorf("graph output %q is not produced by any node", vi.GetName())
		}
		g.Outputs = append(g.Outputs, v)
	}
	if len(g.Outputs) == 0 {
		return nil, errors.New("graph has no outputs")
	}
	return g, nil
}

// graphInput makes the Value of a graph input from its declared type.
func graphInput(vi *onnxpb.ValueInfoProto, override graphir.Shape) (*graphir.Value, error) {
	name := vi.GetName()
	tt := vi.GetType().GetTensorType()
	if tt == nil {
		return nil, fmt.Errorf("graph input %q is not a tensor", name)
	}
	dt := graphir.Undefined
	switch tt.GetElemType() {
	case dtFloat:
		dt = graphir.Float32
	case dtInt64:
		dt = graphir.Int64
	default:
		return nil, fmt.Errorf("graph input %q: unsupported data type %s", name, DTypeName(tt.GetElemType()))
	}
	if override != nil {
		if tt.GetShape() != nil && len(tt.GetShape().GetDim()) != len(override) {
			return nil, fmt.Errorf("graph input %q: given shape %v has rank %d, model declares rank %d", name, override, len(override), len(tt.GetShape().GetDim()))
		}
		if err := override.Check(); err != nil {
			return nil, fmt.Errorf("graph input %q: %w", name, err)
		}
		return &graphir.Value{Name: name, DType: dt, Shape: override.Clone()}, nil
	}
	if tt.GetShape() == nil {
		return nil, &ShapeNeededError{Input: name, Dim: -1}
	}
	shape := make(graphir.Shape, len(tt.GetShape().GetDim()))
	for i, d := range tt.GetShape().GetDim() {
		if v, ok := d.GetValue().(*onnxpb.TensorShapeProto_Dimension_DimValue); ok && v.DimValue > 0 {
			shape[i] = int(v.DimValue)
			continue
		}
		if v, ok := d.GetValue().(*onnxpb.TensorShapeProto_Dimension_DimValue); ok && v.DimValue == 0 {
			shape[i] = 0
			continue
		}
		if i == 0 {
			shape[i] = 1 // a symbolic batch: one frame at a time
			continue
		}
		return nil, &ShapeNeededError{Input: name, Dim: i, Param: d.GetDimParam()}
	}
	if err := shape.Check(); err != nil {
		return nil, fmt.Errorf("graph input %q: %w", name, err)
	}
	return &graphir.Value{Name: name, DType: dt, Shape: shape}, nil
}

// ShapeNeededError says that a graph input has no shape or a symbolic
// dimension past the batch: the caller must fix the shape
// (Options.InputShapes).
type ShapeNeededError struct {
	Input string
	Dim   int    // the symbolic dimension; -1 when the input has no shape
	Param string // its name in the model
}

func (e *ShapeNeededError) Error() string {
	if e.Dim < 0 {
		return fmt.Sprintf("graph input %q has no shape; its shape must be given", e.Input)
	}
	return fmt.Sprintf("graph input %q: dimension %d (%q) is symbolic; its shape must be given", e.Input, e.Dim, e.Param)
}

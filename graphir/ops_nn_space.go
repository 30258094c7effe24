package graphir

import "fmt"

func init() {
	RegisterOp(OpSpaceToDepth, OpInfo{Infer: inferSpaceToDepth})
	RegisterOp(OpDepthToSpace, OpInfo{Infer: inferDepthToSpace})
}

// nnBlockInput checks a 4-D float32 input and a positive blocksize.
func nnBlockInput(n *Node) (*Value, int, error) {
	if err := NeedInputs(n, 1, 1); err != nil {
		return nil, 0, err
	}
	x, err := nnFloatIn(n, 0, "data")
	if err != nil {
		return nil, 0, err
	}
	if len(x.Shape) != 4 {
		return nil, 0, fmt.Errorf("input %q has shape %v, want rank 4 (N, C, H, W)", x.Name, x.Shape)
	}
	r := n.Attrs.Reader()
	if !r.Has("blocksize") {
		return nil, 0, fmt.Errorf("attribute \"blocksize\" is required")
	}
	b := r.Int("blocksize", 0)
	if err := r.Err(); err != nil {
		return nil, 0, err
	}
	if b < 1 {
		return nil, 0, fmt.Errorf("blocksize %d is not positive", b)
	}
	return x, int(b), nil
}

// inferSpaceToDepth: [N, C, H, W] -> [N, C*b*b, H/b, W/b].
func inferSpaceToDepth(n *Node) ([]ValueType, error) {
	x, b, err := nnBlockInput(n)
	if err != nil {
		return nil, err
	}
	s := x.Shape
	if s[2]%b != 0 || s[3]%b != 0 {
		return nil, fmt.Errorf("spatial size %dx%d is not divisible by blocksize %d", s[2], s[3], b)
	}
	return []ValueType{{Float32, Shape{s[0], s[1] * b * b, s[2] / b, s[3] / b}}}, nil
}

// inferDepthToSpace: [N, C, H, W] -> [N, C/(b*b), H*b, W*b]. It normalises
// "mode" to "DCR" (the default) or "CRD".
func inferDepthToSpace(n *Node) ([]ValueType, error) {
	x, b, err := nnBlockInput(n)
	if err != nil {
		return nil, err
	}
	r := n.Attrs.Reader()
	mode := r.String("mode", "DCR")
	if err := r.Err(); err != nil {
		return nil, err
	}
	if mode != "DCR" && mode != "CRD" {
		return nil, fmt.Errorf("depthtospace mode %q is not supported", mode)
	}
	s := x.Shape
	if s[1]%(b*b) != 0 {
		return nil, fmt.Errorf("channels %d are not divisible by blocksize %d squared", s[1], b)
	}
	n.Attrs.SetString("mode", mode)
	return []ValueType{{Float32, Shape{s[0], s[1] / (b * b), s[2] * b, s[3] * b}}}, nil
}

package zoo

import (
	"fmt"
	"strings"

	"github.com/edgectl/edgectl/importer/onnxpb"
)

// Style names the PyTorch ONNX exporter whose output the zoo imitates.
type Style string

const (
	// StyleTorchScript is torch.onnx.export's legacy TorchScript-based
	// exporter at opset 13 (the default): scoped node names
	// ("/layer1/layer1.0/conv1/Conv"), Constant nodes for shapes and bounds.
	StyleTorchScript Style = "torchscript"
	// StyleDynamo is torch.onnx.export(..., dynamo=True), the torch.export
	// and onnxscript based exporter, at opset 18 (IR 10, plus an unused
	// import of onnxscript's helper domain). What changes:
	//
	//   - values are named after the FX graph ("conv2d_3", "getitem_1"),
	//     helpers inside an op's lowering "val_N"; nodes "node_<value>" or
	//     "node_<Op>_N", with a "namespace" metadata_props entry;
	//   - value_info types every intermediate value, with its full shape;
	//   - initializers: parameters, then buffers, then folded constants
	//     ("val_N", shared by every use of the same content);
	//   - Conv has no kernel_shape; BatchNormalization has training_mode 0;
	//     MaxPool has a second, unused Indices output;
	//   - adaptive average pooling is ReduceMean with axes [-1, -2] as an
	//     input; flatten is Reshape (allowzero 1) of a Constant node's
	//     value_ints; ReLU6 is Clip with scalar initializer bounds;
	//   - nn.Linear is Gemm with transB only, or (mobilenet_v2) MatMul by a
	//     transposed weight initializer then Add;
	//   - ZeroPad2d is one Pad of constant pads; equal splits use
	//     num_outputs; nearest upsampling is Resize by sizes computed from
	//     Shape(start, end) and Concat; scalars may be Constant value_float.
	StyleDynamo Style = "dynamo"
)

// Styles lists the valid styles, the default first.
func Styles() []Style { return []Style{StyleTorchScript, StyleDynamo} }

// Options choose how a model is exported. The zero value is the default,
// StyleTorchScript. The same seed gives the same weights in every style.
type Options struct {
	Style Style // "" means StyleTorchScript
}

// export is what a style fixes in the model's header.
type export struct {
	irVersion int64
	opsets    []*onnxpb.OperatorSetIdProto
}

func (o Options) export() (export, error) {
	switch o.Style {
	case "", StyleTorchScript:
		return export{irVersion: 8, opsets: []*onnxpb.OperatorSetIdProto{{Version: 13}}}, nil
	case StyleDynamo:
		// The exporter also declares the domain of onnxscript's helper
		// functions, which an inlined model no longer uses.
		return export{irVersion: 10, opsets: []*onnxpb.OperatorSetIdProto{
			{Version: 18}, {Domain: "pkg.onnxscript.torch_lib.common", Version: 1}}}, nil
	}
	valid := make([]string, len(Styles()))
	for i, s := range Styles() {
		valid[i] = string(s)
	}
	return export{}, fmt.Errorf("zoo: unknown style %q (valid: %s)", o.Style, strings.Join(valid, ", "))
}

// signatureOrder orders initializers as torch.export's graph signature
// lists them: parameters, then buffers, then lifted constants.
func signatureOrder(ps []param) []param {
	out := make([]param, 0, len(ps))
	for _, class := range []func(p *param) bool{
		func(p *param) bool { return p.trainable() },
		func(p *param) bool { return p.buffer() },
		func(p *param) bool { return p.kind == kindConst },
	} {
		for i := range ps {
			if class(&ps[i]) {
				out = append(out, ps[i])
			}
		}
	}
	check(len(out) == len(ps), "signatureOrder: %d of %d params placed", len(out), len(ps))
	return out
}

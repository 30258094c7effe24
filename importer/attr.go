package importer

import (
	"fmt"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/importer/onnxpb"
)

// convertAttr turns one ONNX attribute into a typed graphir attribute.
func convertAttr(a *onnxpb.AttributeProto, src tensorSource) (graphir.Attr, error) {
	switch a.GetType() {
	case onnxpb.AttributeProto_INT:
		return graphir.Attr{Kind: graphir.AttrInt, Int: a.GetI()}, nil
	case onnxpb.AttributeProto_FLOAT:
		return graphir.Attr{Kind: graphir.AttrFloat, Float: a.GetF()}, nil
	case onnxpb.AttributeProto_STRING:
		return graphir.Attr{Kind: graphir.AttrString, Str: string(a.GetS())}, nil
	case onnxpb.AttributeProto_INTS:
		return graphir.Attr{Kind: graphir.AttrInts, Ints: append([]int64{}, a.GetInts()...)}, nil
	case onnxpb.AttributeProto_FLOATS:
		return graphir.Attr{Kind: graphir.AttrFloats, Floats: append([]float32{}, a.GetFloats()...)}, nil
	case onnxpb.AttributeProto_STRINGS:
		strs := make([]string, len(a.GetStrings()))
		for i, s := range a.GetStrings() {
			strs[i] = string(s)
		}
		return graphir.Attr{Kind: graphir.AttrStrings, Strs: strs}, nil
	case onnxpb.AttributeProto_TENSOR:
		t, err := convertTensor(a.GetT(), src)
		if err != nil {
			return graphir.Attr{}, err
		}
		return graphir.Attr{Kind: graphir.AttrTensor, Tensor: t}, nil
	case onnxpb.AttributeProto_UNDEFINED:
		// Old exporters leave the type unset; infer it from what is filled.
		switch {
		case len(a.GetInts()) > 0:
			a.Type = onnxpb.AttributeProto_INTS
		case len(a.GetFloats()) > 0:
			a.Type = onnxpb.AttributeProto_FLOATS
		case len(a.GetStrings()) > 0:
			a.Type = onnxpb.AttributeProto_STRINGS
		case a.GetT() != nil:
			a.Type = onnxpb.AttributeProto_TENSOR
		case len(a.GetS()) > 0:
			a.Type = onnxpb.AttributeProto_STRING
		case a.GetF() != 0:
			a.Type = onnxpb.AttributeProto_FLOAT
		default:
			a.Type = onnxpb.AttributeProto_INT
		}
		return convertAttr(a, src)
	}
	return graphir.Attr{}, fmt.Errorf("attribute %q has unsupported kind %s", a.GetName(), a.GetType())
}

package graphir

// Op is one operator kind. The names are the ONNX op types.
type Op uint16

const (
	OpInvalid Op = iota
	OpConstant
	OpConv
	OpConvTranspose
	OpMaxPool
	OpAveragePool
	OpGlobalAveragePool
	OpGlobalMaxPool
	OpBatchNormalization
	OpInstanceNormalization
	OpLRN
	OpRelu
	OpLeakyRelu
	OpPRelu
	OpClip
	OpSigmoid
	OpHardSigmoid
	OpHardSwish
	OpTanh
	OpElu
	OpSelu
	OpMish
	OpSoftplus
	OpExp
	OpLog
	OpSqrt
	OpReciprocal
	OpErf
	OpFloor
	OpCeil
	OpNeg
	OpAbs
	OpPow
	OpAdd
	OpSub
	OpMul
	OpDiv
	OpSum
	OpMax
	OpMin
	OpMean
	OpConcat
	OpSplit
	OpSlice
	OpPad
	OpReshape
	OpFlatten
	OpTranspose
	OpSqueeze
	OpUnsqueeze
	OpExpand
	OpTile
	OpGather
	OpShape
	OpCast
	OpConstantOfShape
	OpRange
	OpIdentity
	OpDropout
	OpGemm
	OpMatMul
	OpSoftmax
	OpLogSoftmax
	OpReduceMean
	OpReduceMax
	OpReduceMin
	OpReduceSum
	OpReduceProd
	OpResize
	OpUpsample
	OpSpaceToDepth
	OpDepthToSpace
	numOps
)

var opNames = [numOps]string{
	OpInvalid:               "Invalid",
	OpConstant:              "Constant",
	OpConv:                  "Conv",
	OpConvTranspose:         "ConvTranspose",
	OpMaxPool:               "MaxPool",
	OpAveragePool:           "AveragePool",
	OpGlobalAveragePool:     "GlobalAveragePool",
	OpGlobalMaxPool:         "GlobalMaxPool",
	OpBatchNormalization:    "BatchNormalization",
	OpInstanceNormalization: "InstanceNormalization",
	OpLRN:                   "LRN",
	OpRelu:                  "Relu",
	OpLeakyRelu:             "LeakyRelu",
	OpPRelu:                 "PRelu",
	OpClip:                  "Clip",
	OpSigmoid:               "Sigmoid",
	OpHardSigmoid:           "HardSigmoid",
	OpHardSwish:             "HardSwish",
	OpTanh:                  "Tanh",
	OpElu:                   "Elu",
	OpSelu:                  "Selu",
	OpMish:                  "Mish",
	OpSoftplus:              "Softplus",
	OpExp:                   "Exp",
	OpLog:                   "Log",
	OpSqrt:                  "Sqrt",
	OpReciprocal:            "Reciprocal",
	OpErf:                   "Erf",
	OpFloor:                 "Floor",
	OpCeil:                  "Ceil",
	OpNeg:                   "Neg",
	OpAbs:                   "Abs",
	OpPow:                   "Pow",
	OpAdd:                   "Add",
	OpSub:                   "Sub",
	OpMul:                   "Mul",
	OpDiv:                   "Div",
	OpSum:                   "Sum",
	OpMax:                   "Max",
	OpMin:                   "Min",
	OpMean:                  "Mean",
	OpConcat:                "Concat",
	OpSplit:                 "Split",
	OpSlice:                 "Slice",
	OpPad:                   "Pad",
	OpReshape:               "Reshape",
	OpFlatten:               "Flatten",
	OpTranspose:             "Transpose",
	OpSqueeze:               "Squeeze",
	OpUnsqueeze:             "Unsqueeze",
	OpExpand:                "Expand",
	OpTile:                  "Tile",
	OpGather:                "Gather",
	OpShape:                 "Shape",
	OpCast:                  "Cast",
	OpConstantOfShape:       "ConstantOfShape",
	OpRange:                 "Range",
	OpIdentity:              "Identity",
	OpDropout:               "Dropout",
	OpGemm:                  "Gemm",
	OpMatMul:                "MatMul",
	OpSoftmax:               "Softmax",
	OpLogSoftmax:            "LogSoftmax",
	OpReduceMean:            "ReduceMean",
	OpReduceMax:             "ReduceMax",
	OpReduceMin:             "ReduceMin",
	OpReduceSum:             "ReduceSum",
	OpReduceProd:            "ReduceProd",
	OpResize:                "Resize",
	OpUpsample:              "Upsample",
	OpSpaceToDepth:          "SpaceToDepth",
	OpDepthToSpace:          "DepthToSpace",
}

var opByName = func() map[string]Op {
	m := make(map[string]Op, numOps)
	for i := Op(1); i < numOps; i++ {
		m[opNames[i]] = i
	}
	return m
}()

func (o Op) String() string {
	if o < numOps {
		return opNames[o]
	}
	return "Invalid"
}

// ParseOp maps an ONNX op type to an Op; ok is false for an unknown op.
func ParseOp(name string) (op Op, ok bool) {
	op, ok = opByName[name]
	return op, ok
}

// Ops lists every valid op.
func Ops() []Op {
	out := make([]Op, 0, numOps-1)
	for i := Op(1); i < numOps; i++ {
		out = append(out, i)
	}
	return out
}

// Package zoo writes full-size benchmark CNNs (VGG-16, ResNet-18/50,
// MobileNetV2, DenseNet-121, YOLOv2, Tiny YOLOv2 and YOLOv8n) as ONNX models
// with seeded random weights, for benchmarks and tests that need real model
// sizes but no downloads. It backs the `edgectl zoo NAME -o FILE.onnx`
// command.
//
// By default (StyleTorchScript) the graphs follow what PyTorch's legacy
// TorchScript exporter emits for the torchvision (or darknet-style, or
// Ultralytics) module at opset 13: node names such as
// "/layer1/layer1.0/conv1/Conv", initializers named after the module
// parameters with little-endian raw_data, a graph input called "input" with
// batch 1, and a graph output called "output" with its full static shape.
// Batch normalisation is kept as separate BatchNormalization nodes (exported
// without folding), so importers exercise their own BN folding.
//
// BuildWith and WriteWith with StyleDynamo write the same models as
// torch.onnx.export(..., dynamo=True) does at opset 18 (style.go lists the
// differences), so that an importer is tested on both exporters' output.
//
// Weights are a pure function of the seed and the parameter's name, kind and
// shape, in every style: every block of blockElems values has its own PCG
// stream, so Build and the streaming Write produce the same bytes, and Write
// holds one block at a time (vgg16's 553 MB write in under 10 MB of memory).
//
// It imports the generated ONNX types in importer/onnxpb and
// google.golang.org/protobuf only (its tests also the importer and runtime).
package zoo

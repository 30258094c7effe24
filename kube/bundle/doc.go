// Package bundle is an edgectl application as one OCI artifact: the plan,
// the cluster file, the WebAssembly plugins, the generated Kubernetes
// manifests and the model, whose weights are split into one blob per
// stage, and per device where the devices of a stage need different
// parts (a layer split by output channels: each device its slice), so
// that a device reads and pulls only the weights its tiles use.
//
// The artifact is an OCI image index (one image per platform, all with the
// same layers, so that Kubernetes can mount it as an image volume on any
// node) whose layers are uncompressed tar files holding one file each:
//
//	bundle.json                 Meta: what every other file is, the model's
//	                            weights per blob, each device's stages
//	plan.yaml, cluster.yaml     the plan and the cluster file, as given
//	model/graph.edgeir          the .edgeir file up to its weights
//	model/weights/common.bin    constants every device reads (small ones)
//	model/weights/NNN.bin       the constants first used by stage NNN
//	model/weights/NNN-KK.bin    plan device KK's slices of stage NNN's
//	                            constants (a layer split by channels)
//	plugins/NAME.wasm           kernel plugins of the device classes
//	manifests/app.yaml          the Kubernetes objects (kube/manifest)
//
// Digests are sha256 content addresses; Open checks the index, manifests
// and configs, and every blob is checked as it is read, so a tampered or
// truncated blob is an error naming its file. A bundle may carry an
// ed25519 signature of its index digest (Sign, VerifySignature).
//
// What lives here: format.go (names, Meta), shard.go, slices.go (a
// channel-split layer's per-device slices) and edgeir.go (splitting a
// model), build.go, inputs.go and layers.go (Build),
// archive.go (the OCI archive writer), open.go, index.go and blobs.go
// (reading an archive or an extracted folder), verify.go, sign.go,
// sigremote.go and keys.go, remote.go, push.go (Push, and Ensure, which
// deploy uses), pull.go and extract.go (registries), place.go (a device's model file from its shard), names.go
// and inspect.go.
//
// bundletest makes a model, plan and cluster file to bundle, for tests.
//
// It imports go-containerregistry, graphir, importer, runtime/partition and
// planner/cluster; not client-go.
package bundle

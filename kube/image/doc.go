// Package image builds edgectl's worker container image without a
// container engine, the way ko does: the static edgectl binary
// (CGO_ENABLED=0 and BuildTags, cross-compiled with `go build` for each platform, or
// prebuilt) is appended as a layer onto a scratch image made here, with
// go-containerregistry; nothing is pulled from a registry and no Docker
// daemon is needed. One image per platform, in one OCI index.
//
// What lives here:
//   - options.go, config.go: Options, platforms, the image's fixed layout
//     (user, directories, entrypoint, default arguments, port) and labels;
//   - source.go, resolve.go: which edgectl source is compiled (a checkout,
//     or a released module version) and its version, revision and time;
//   - compile.go: the Go toolchain, `go build` per platform, the static-ELF
//     check of every binary;
//   - layers.go, build.go: reproducible layers (our own tar and gzip), the
//     images and their index;
//   - output.go, write.go, archive.go: an OCI layout directory, an OCI
//     archive or a docker archive;
//   - load.go, push.go: loading into podman or docker, pushing to a
//     registry.
//
// It imports go-containerregistry and the standard library only: not
// client-go (deploying the image is the rest of kube/) and nothing else of
// ours. Its tests also use cli/app, graphir, importer and runtime/verify;
// the integration test (podman_test.go, build tag podman, `make
// test-image`) runs a partitioned model through two containers of the
// image.
package image

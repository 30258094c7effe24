// Package image builds edgectl's worker container image without a
// container engine, the way ko does: the static edgectl binary
// (CGO_ENABLED=0, cross-compiled with `go build` for each platform, or
// prebuilt) is appended as a layer onto a scratch image made here, with
// go-containerregistry; nothing is pulled from a registry and no Docker
// daemon is needed. One image per platform, in one OCI index.
//
// What lives here:
//   - options.go: Options, platforms, the image's fixed layout (user,
//     directories, entrypoint, port);
//   - source.go: where the edgectl source is (a checkout, or a released
//     module version) and its version, revision and timestamp;
//   - compile.go: the Go toolchain, `go build` per platform, the static-ELF
//     check of every binary;
//   - layers.go, build.go: the layers (reproducible tar + gzip), the config
//     and labels, the images and their index;
//   - write.go, load.go, push.go: an OCI layout directory, an OCI archive
//     or a docker archive; loading into podman or docker; pushing to a
//     registry.
//
// It imports go-containerregistry and the standard library only (not
// client-go: deploying the image is the rest of kube/). The integration
// test (podman_test.go, build tag podman, `make test-image`) runs a
// partitioned model through two containers of the image.
package image

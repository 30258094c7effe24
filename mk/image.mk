# The worker's container image (kube/image, `edgectl image build`): built
# from the static edgectl binary with go-containerregistry, without Docker
# or any base image from a registry. Included by the Makefile.
#
#   image        bin/edgectl-image.tar: an OCI archive (a tarred OCI image
#                layout) of linux/amd64 and linux/arm64, for `podman load`,
#                `docker load` (Docker 25+) or `skopeo copy oci-archive:...`
#   image-deps   installs podman and runc from Debian if missing (idempotent)
#   test-image   builds the image, loads it into podman, runs a 2-worker plan
#                through two containers and checks it against one device
#                (kube/image/podman_test.go, build tag podman)
#
# Podman runs with the project's kube/image/testdata/containers.conf (via
# CONTAINERS_CONF) and --runtime runc --cgroup-manager cgroupfs; nothing in
# /etc is changed.

GO              ?= go
IMAGE_OUT       ?= bin/edgectl-image.tar
IMAGE_PLATFORMS ?= linux/amd64,linux/arm64
IMAGE_TAG       ?=
IMAGE_CONF      := $(abspath kube/image/testdata/containers.conf)

.PHONY: image image-deps test-image

image: build
	$(BIN) image build --platform $(IMAGE_PLATFORMS) -o $(IMAGE_OUT) $(if $(IMAGE_TAG),--tag $(IMAGE_TAG))

image-deps:
	@command -v podman >/dev/null && command -v runc >/dev/null || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc)
	@podman --version

test-image: image-deps
	$(GO) vet -tags podman ./kube/image/
	CONTAINERS_CONF=$(IMAGE_CONF) $(GO) test -count=1 -tags podman -run '^TestPodman' -v -timeout 20m ./kube/image/

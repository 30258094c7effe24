# Kubernetes deployment (kube/bundle, kube/manifest, kube/deploy; edgectl
# bundle, manifests, deploy, status, undeploy). Included by the Makefile.
#
#   test-kube       starts a real control plane (etcd, kube-apiserver,
#                   kube-controller-manager, kube-scheduler v1.37.2, built
#                   from their Go modules, and kwok playing the kubelet of
#                   fake nodes) with tools/k8s-test-cluster, runs the
#                   integration test (kube/deploy, build tag kube) against
#                   it and stops it again, also when the test fails
#   kube-cluster    only starts the cluster (for working on the test:
#                   EDGECTL_KUBECONFIG=$(K8S_DIR)/run/kubeconfig go test -tags kube ./kube/deploy/)
#   kube-cluster-stop  stops it
#
# The binaries are built once into $(K8S_DIR)/bin (outside the repository):
# a cold build takes about 12 minutes on 2 idle cores (~2.7 GB of memory,
# ~5.6 GB of Go caches), a warm start seconds. The script needs curl and
# openssl (installed here when missing) and python3.

GO       ?= go
K8S_DIR  ?= $(HOME)/.cache/edgectl/k8s
K8S_SH   := tools/k8s-test-cluster/k8s-test-cluster.sh

.PHONY: test-kube kube-cluster kube-cluster-stop kube-deps check-nokube

# The build for boards and pods leaves out client-go (deploy, undeploy and
# status), about 28 MB of the binary: it must keep building.
check-nokube:
	$(GO) vet -tags nokube ./cli/...
	GOOS=linux GOARCH=arm64 $(GO) build -tags nokube ./cli/...

kube-deps:
	@command -v curl >/dev/null && command -v openssl >/dev/null || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl openssl)

kube-cluster: kube-deps
	W=$(K8S_DIR) bash $(K8S_SH)

kube-cluster-stop:
	W=$(K8S_DIR) bash $(K8S_SH) stop

test-kube: kube-deps check-nokube
	$(GO) vet -tags kube ./kube/deploy/
	@set -e; trap 'W=$(K8S_DIR) bash $(K8S_SH) stop' EXIT; \
	start=$$(date +%s); W=$(K8S_DIR) bash $(K8S_SH); \
	echo "test cluster up after $$(( $$(date +%s) - start ))s"; \
	EDGECTL_KUBECONFIG=$(K8S_DIR)/run/kubeconfig $(GO) test -count=1 -tags kube -run '^TestKube' -v -timeout 20m ./kube/deploy/

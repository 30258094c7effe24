# Cluster files and the network probe (planner/cluster, edgectl netprobe,
# docs/worker.md): test-netns runs `edgectl netprobe` between two workers
# in network namespaces joined by a veth link shaped to 20 mbit with tc
# tbf, and checks the measured bandwidth within ±25% (about 20 s). It
# needs root, ip and tc; under CI=true it fails without them, elsewhere it
# skips. The namespaces and links it makes are removed, also on failure.

.PHONY: test-netns

test-netns:
	$(GO) test -count=1 -tags netns -run '^TestNetprobe_ShapedLink$$' -v ./runtime/worker/e2e/

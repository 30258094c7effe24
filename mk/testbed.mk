# The emulated edge testbed (kube/testbed, `edgectl testbed`): device
# containers with CPU quotas on a bridge network shaped by tc. Included by
# the Makefile.
#
#   test-testbed   builds the worker image, brings up 3 device containers
#                  (edgectl testbed up), runs a 3-device plan of a reference
#                  model through them (edgectl run --cluster --check),
#                  checks that edgectl testbed down leaves no container,
#                  network, ifb or qdisc; then the same for devices started
#                  through the Go provider and abandoned (about 5 minutes;
#                  root, podman, iproute2; kube/testbed/integration_test.go,
#                  build tag testbed)
#   demo-testbed   the story for a newcomer: full-size VGG-16 on 8 emulated
#                  devices of a fifth of a core each on one 100 Mbit/s WiFi
#                  channel, planned on the devices' in-place profiles and the
#                  measured network, run and checked against one device, its
#                  single-frame latency and streamed throughput against one
#                  such device (edgectl testbed bench; about 2 minutes
#                  measured, the first run also profiles the class in place,
#                  ~10 minutes)
#   bench-testbed  the full sweep: VGG-16 and YOLOv2 on 1, 2, 4, 8 devices at
#                  10mbit, 100mbit and 1gbit, every strategy, the next-best
#                  plans at 8 devices; CSV and PNG into docs/ (hours)
#
# Everything a testbed makes is listed in its folder's state.json before it
# is made; `edgectl testbed down --dir DIR` removes it, also after a crash.

TESTBED_MODELS ?= $(HOME)/.cache/edgectl/testbed-models
TESTBED_FLAGS  ?=

.PHONY: test-testbed demo-testbed bench-testbed testbed-models

test-testbed: image-deps
	$(GO) vet -tags testbed ./kube/testbed/
	$(GO) test -count=1 -tags testbed -run '^TestTestbed' -v -timeout 30m ./kube/testbed/

testbed-models: build
	@mkdir -p $(TESTBED_MODELS)
	@test -f $(TESTBED_MODELS)/vgg16.onnx -a -f $(TESTBED_MODELS)/vgg16-input.pb || \
		$(BIN) zoo vgg16 -o $(TESTBED_MODELS)/vgg16.onnx --sample $(TESTBED_MODELS)/vgg16-input.pb
	@test -f $(TESTBED_MODELS)/yolov2.onnx -a -f $(TESTBED_MODELS)/yolov2-input.pb || \
		$(BIN) zoo yolov2 -o $(TESTBED_MODELS)/yolov2.onnx --sample $(TESTBED_MODELS)/yolov2-input.pb

demo-testbed: build image-deps testbed-models
	@echo "VGG-16 (553 MB, 31 GFLOPs) on 8 emulated devices: containers of a fifth of a core each"
	@echo "on one shared 100 Mbit/s channel, against one such device. Each point starts its"
	@echo "devices afresh, plans on their in-place profile and the measured network, runs 5"
	@echo "frames one at a time (median latency) and 10 streamed, and checks every output."
	$(BIN) testbed bench $(TESTBED_MODELS)/vgg16.onnx --input $(TESTBED_MODELS)/vgg16-input.pb \
		--counts 1,8 --cpu 0.2 --bandwidth 100mbit --strategy ours,single --frames 5 --stream 10 --build $(TESTBED_FLAGS)
	@echo "Try it by hand: bin/edgectl testbed up --devices 8 --cpu 0.2 --bandwidth 100mbit prints a"
	@echo "cluster file C; bin/edgectl plan MODEL --cluster C -o plan.yaml; bin/edgectl run MODEL"
	@echo "--plan plan.yaml --cluster C --input x.pb --window 1 --frames 5 --check; bin/edgectl testbed down"

bench-testbed: build image-deps testbed-models
	@mkdir -p docs/testbed
	$(BIN) testbed bench $(TESTBED_MODELS)/vgg16.onnx --input $(TESTBED_MODELS)/vgg16-input.pb --build \
		--counts 1,2,4,8 --bandwidth 10mbit,100mbit,1gbit --alternatives 3 \
		--csv docs/testbed/vgg16.csv --png docs/testbed/vgg16.png $(TESTBED_FLAGS)
	$(BIN) testbed bench $(TESTBED_MODELS)/yolov2.onnx --input $(TESTBED_MODELS)/yolov2-input.pb \
		--counts 1,2,4,8 --bandwidth 10mbit,100mbit,1gbit --alternatives 3 \
		--csv docs/testbed/yolov2.csv --png docs/testbed/yolov2.png $(TESTBED_FLAGS)

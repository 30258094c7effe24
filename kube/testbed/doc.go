// Package testbed is an emulated edge cluster on one machine: each
// device a container of the worker image (kube/containers) with a CPU
// quota and a memory limit, on a bridge network of its own whose traffic
// tc shapes like one WiFi channel (Shared: one token bucket on an ifb
// device that every port's and the bridge's traffic is redirected
// through) or a switch (Switched: a bucket per device and direction).
//
// Create makes the network and the shaping; Provider starts the first n
// devices (a coord.Provider, so edgectl run and the bench start and stop
// device containers like local workers); Up also profiles each class in
// place, probes the network and writes a cluster file. Everything is
// recorded in a state file before it is made, and Down removes what the
// state file lists, and nothing else, also after a crash. Without root,
// tc or a container engine, the fallback runs local worker processes
// with CPU quotas and a rate-limiting relay (local.go). Bench measures
// speed-ups on it.
//
// What lives here: shape.go (the tc commands, pure), host.go (running
// them, finding a container's port), state.go, testbed.go (Create, Open),
// devices.go (the provider), cluster.go and up.go (profiles, probes,
// cluster files), down.go, local.go, relay.go and serve.go (the
// fallback: quotas, relays, the supervisor), bench.go, regret.go and
// summary.go (measuring), fault.go (a device killed mid-stream).
//
// It imports kube/containers, graphir, planner, planner/cluster,
// planner/costmodel, runtime/verify and runtime/worker/coord.
package testbed

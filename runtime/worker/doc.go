// Package worker is the server side of distributed runs: `edgectl worker`
// serves tiles of partitioned models over gRPC (the protocol in wirepb,
// described in docs/worker.md), with the standard gRPC health service and
// Prometheus metrics.
//
// A coordinator (runtime/worker/coord) stores a model in the worker's data
// directory (PutModel), opens a session with a plan and the tiles this
// worker runs (Open: only the constants of those tiles' stages stay in
// memory), and then, per frame, calls RunTile for each job: the worker
// waits for the pieces it was told to expect (pushed by other workers or
// the coordinator into its mailbox), runs the tile(s) — several
// neighbouring tiles of a stage as one, so that their overlap is computed
// once — and sends each part of its output where it was told: straight to
// the workers of the next stages (Push), or back to the caller.
//
// Every call needs the shared token or a client certificate signed by the
// client CA (internal/auth); the health service needs neither. Files are
// only read and written through an os.Root on the data directory.
//
// Sink and ProbeLink time messages between workers for `edgectl
// netprobe`; Profile measures the worker's latency profile
// (runtime/profile) for `edgectl profile --worker`.
//
// Sub-packages: wirepb (generated protocol code), coord (the coordinator,
// local worker processes, the verify runner, link probes, profiles), e2e
// (tests with worker processes; the netns build tag adds the shaped-link
// test), internal/wire (tensors in chunks), internal/probe (timed probe
// messages and their fit), internal/auth, and internal/testutil. It
// imports graphir, importer, runtime, runtime/partition, runtime/tilerun,
// runtime/profile and planner/costmodel.
package worker

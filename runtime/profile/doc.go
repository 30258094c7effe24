// Package profile measures where edgectl's runtime spends its time on this
// machine. Nodes times every node of one graph (the executor's graph,
// after its fusions): the per-node profile that `edgectl bench --profile`
// prints. Measure micro-benchmarks every kind of node of the cost model
// (planner/costmodel) over a grid of layer and tile sizes of the networks
// edgectl partitions and fits the device's latency Profile; CheckModel
// compares a profile's prediction of a model with the model's measured
// time.
//
// A micro-benchmark is a one-node graph (its activation and residual sum
// fused, as in the models) ending in a one-element Slice, run through
// runtime.NewWithOptions with the device class's threads. Runs are timed
// by the thread's CPU time with one thread, each paired with a run of its
// kind's reference micro-benchmark so that the machine's drift cancels
// (timer.go says why), weights past 1 MB evicted from the caches first.
//
// It imports graphir, planner/costmodel, runtime and runtime/kernels (for
// the kernel tier, tierName); tools and the CLI import it.
package profile

// Package planner chooses how a model is split across devices.
//
// Today it holds SimplePlan, which cuts a model by a fixed rule (fused
// blocks in a fixed grid, fully-connected layers split by output channels),
// and RandomPlan, which draws valid plans for differential tests of
// partitioned against whole-model execution. The cost-model planner (a
// memoised dynamic program over layer-wise and fused partitions) comes with
// its issue.
//
// It imports graphir (and, for tile geometry, runtime/partition); it never
// imports kernels, the executor or the transport.
package planner

// Package planner will choose, segment by segment, how a model is split
// across devices: layer-wise or fused-tile parallelism, how many devices and
// which, and tile sizes matched to each device's speed, by a memoised dynamic
// program over cost models fitted per device class.
//
// It does not exist yet (its issue starts after partitioning and the
// runtime). Today graphir.SimplePlan makes a plan by a fixed rule, and
// runtime/partition executes any valid graphir.Plan exactly.
package planner

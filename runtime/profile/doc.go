// Package profile measures where edgectl's runtime spends its time on this
// machine: Nodes times every node of one graph (the executor's graph, after
// its fusions), the per-node profile that `edgectl bench --profile` prints.
//
// It imports graphir and runtime; tools and the CLI import it.
package profile

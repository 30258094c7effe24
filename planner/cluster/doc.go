// Package cluster is the cluster file users keep (apiVersion
// edgectl.dev/v1alpha1, kind Cluster): device classes (threads, memory,
// kernels, latency profile or relative speed), devices (class, worker
// address or Kubernetes node selector), the network (bandwidth, RTT,
// per-message cost, shared or switched medium, per-link overrides) and how
// to reach the workers (token file or TLS files).
//
// Load and Decode read it strictly and report every problem at once, each
// with its line; Validate checks one built in code. LinkBetween, Class,
// Addresses and Profiles answer what the planner and the CLI ask of it.
// Example writes a commented file to start from, and SetNetwork writes
// what `edgectl netprobe` measured (WithMeasured) into a file, keeping
// its comments.
//
// It imports graphir (strict decoding) and planner/costmodel (profiles).
package cluster

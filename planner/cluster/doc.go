// Package cluster is the cluster file users keep (apiVersion
// edgectl.dev/v1alpha1, kind Cluster): device classes (threads, memory,
// kernels, latency profile or relative speed), devices (class, worker
// address or Kubernetes node selector), the network (bandwidth, RTT,
// per-message cost, shared or switched medium, per-link overrides) and how
// to reach the workers (token file or TLS files). Load decodes it strictly
// and reports every problem at once, each with its line.
//
// It imports graphir (strict decoding) and planner/costmodel (profiles).
package cluster

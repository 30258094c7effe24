// Package kube will deploy a bundle (model, plan, plugins, manifests) to
// Kubernetes with client-go: one image for all pods, one pod per partition.
// client-go stays inside this folder.
//
// It does not exist yet (its issue starts after partitioning and the
// runtime). Today workers run as local processes on loopback: `edgectl run
// --local N`.
package kube

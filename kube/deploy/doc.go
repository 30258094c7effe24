// Package deploy puts a bundle's objects (kube/manifest) into a
// Kubernetes cluster and takes them out again: server-side apply with the
// fixed field manager "edgectl", pruning of what an earlier deploy of the
// same app made and this one no longer does, one place that waits for
// readiness with a progress display (helm's statuswait), the status of
// the pods, and removal by label.
//
// client-go lives here and only here, behind Client, a narrow interface
// (as helm's pkg/kube/interface.go): Deploy, Wait, Status and Undeploy take
// a Client; NewClient makes one from a kubeconfig, FromClientset from any
// client-go clientset (the unit tests use client-go's fake clientset with
// reactors for forbidden, conflict and timeout). deployfake, beside it, is
// an in-memory Client for tests that script a cluster (a rollout, nodes).
//
// What lives here: client.go (Client and its client-go implementation),
// kubeconfig.go, deploy.go (apply, prune, node classes, the token),
// wait.go, status.go, undeploy.go, errors.go (what a failed call means).
//
// It imports client-go, k8s.io/api, k8s.io/apimachinery and kube/manifest.
package deploy

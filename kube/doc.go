// Package kube is edgectl on Kubernetes, in sub-packages: kube/image builds
// the worker's container image (go-containerregistry, no Docker);
// kube/bundle makes an application (model, plan, cluster file, plugins,
// manifests) one OCI artifact whose weights are split per stage (per
// device for layers split by output channels);
// kube/manifest renders its Kubernetes objects; kube/deploy applies,
// waits for, reports on and removes them, and is the only package of
// edgectl that imports client-go, behind a narrow interface; kube/serve is
// the coordinator that a deployment runs. docs/deploy.md walks through it.
package kube

// Package kube will deploy a bundle (model, plan, plugins, manifests) to
// Kubernetes with client-go: one image for all pods, one pod per partition.
// client-go stays inside this folder, behind a narrow interface. Its
// sub-package kube/image builds the worker image (go-containerregistry, no
// Docker) and does not import client-go.
package kube

// Package manifest renders the Kubernetes objects of a bundle
// (kube/bundle): per plan device a worker Deployment pinned to its device
// class (the device's nodeSelector from the cluster file, else the node
// label edgectl.dev/device-class), with CPU and memory from its class,
// gRPC readiness and liveness probes on the worker's health service and
// the token from a Secret, and a Service for a stable DNS name; the
// coordinator (`edgectl bundle serve`) as a Deployment and a Service; and,
// on request, the ServiceAccount, Role and RoleBinding that `edgectl
// deploy` needs. Every object carries the app.kubernetes.io labels, which
// is how deploy finds and removes what it made.
//
// The bundle reaches the pods as an image volume (Kubernetes 1.35 and
// later) or through an init container running `edgectl bundle pull
// --extract`, both by digest.
//
// What lives here: options.go (Options, names, labels), worker.go,
// coordinator.go, pod.go (what both pods share), rbac.go, yaml.go
// (multi-document YAML).
//
// It imports k8s.io/api, k8s.io/apimachinery, sigs.k8s.io/yaml,
// kube/bundle and planner/cluster; not client-go.
package manifest

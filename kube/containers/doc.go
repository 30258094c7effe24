// Package containers runs edgectl workers as containers of the worker
// image (kube/image) under a container engine's command line: podman or
// docker, one implementation of Engine each, chosen once (Detect), the
// way kind drives either behind one provider interface.
//
// Engine does what the testbed needs of an engine: run a container with
// a CPU quota, a memory limit, labels, mounts and a network; inspect it
// (its address and process); remove it; create, inspect and remove a
// bridge network; list what carries a label. Provider starts workers as
// containers and is a coord.Provider, so a coordinator (edgectl run, the
// testbed bench) starts and stops device containers the way it starts
// local worker processes.
//
// Models reach the workers through their data directories: each
// container's data directory is a host directory bind-mounted at
// /var/lib/edgectl, and the coordinator links the model into it
// (coord.Worker.DataDir) instead of uploading it over the emulated
// network.
//
// It imports runtime/worker/coord (the Provider and Fleet interfaces) and
// the standard library.
package containers

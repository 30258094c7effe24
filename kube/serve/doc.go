// Package serve is the coordinator of a deployed bundle (`edgectl bundle
// serve`, the coordinator Deployment of kube/manifest): it opens the
// bundle's plan on workers that already hold their shards, keeps the
// session open, and serves inferences over HTTP:
//
//	POST /v1/infer[?output=NAME]  body: one input tensor per model input
//	                              (ONNX TensorProto or .npy; one input only)
//	                              reply: the output as a TensorProto
//	GET  /readyz                  200 once the session is open, else 503
//	GET  /healthz                 200 while the process runs
//
// A failed session (a worker gone) is closed and opened again in the
// background; until then /readyz says 503, so Kubernetes routes no
// traffic to it, and the old coordinator keeps serving during a roll. A
// request whose frame failed runs again on the new session, and one that
// finds no session waits for one, within Config.Patience. Told to stop,
// the server reports not ready, serves on for Config.DrainDelay, finishes
// its requests and closes its session (which ends the old workers'
// drain).
//
// serve.go keeps the session; http.go is the API.
//
// It imports graphir, importer, runtime (input checks) and
// runtime/worker/coord; not client-go.
package serve

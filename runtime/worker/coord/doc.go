// Package coord is the coordinator of a distributed run: it connects to
// workers (or starts local ones, StartLocal), opens a session on each with
// the model and the plan, and runs frames through them as a pipeline.
//
// The coordinator never carries activations between stages: for every job
// (the tiles of one stage that one worker runs, merged into one tile when
// they form a rectangle) it tells the worker which pieces to expect and
// where to send which part of its output, and workers push parts straight
// to each other. The coordinator pushes graph-input crops to the jobs that
// need them and receives graph outputs. A job of frame k starts when the
// jobs it receives from are done and the same job of frame k-1 has
// finished, so the tiles of a stage run in parallel and stages form a
// pipeline: frame k+1 is in stage 1 while frame k is in stage 2.
//
// A worker that dies or stalls (no answer within a job's deadline, and no
// health answer) is dropped: its tiles go to the surviving workers, which
// re-open the session from the model in their data directory, and every
// frame in flight is run again from its inputs. See docs/worker.md.
//
// It also measures: ProbeLinks times links between workers and from the
// coordinator (edgectl netprobe), ProfileWorker has a worker measure its
// latency profile.
//
// It imports graphir, importer, runtime, runtime/partition, runtime/verify,
// planner/costmodel (the profile type), the worker protocol
// (runtime/worker/wirepb) and its probe (internal/probe); it does not
// import the worker server.
package coord

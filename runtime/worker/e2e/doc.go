// Package e2e holds the end-to-end tests of distributed runs: worker
// processes started the way `edgectl run --local` starts them (the test
// binary re-executes itself as `edgectl worker`), killed and stalled in
// the middle of runs, the verify runner and the run and worker commands.
// It has no code of its own.
package e2e

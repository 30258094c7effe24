package profile

import (
	"context"
	goruntime "runtime"
	"testing"
)

// Parallelism is between 1 and n, and 1 for one executor.
func TestParallelism(t *testing.T) {
	if p, err := Parallelism(context.Background(), 1); err != nil || p != 1 {
		t.Fatalf("one executor: %v, %v", p, err)
	}
	if _, err := Parallelism(context.Background(), 0); err == nil {
		t.Error("0 executors: no error")
	}
	n := max(2, goruntime.NumCPU())
	p, err := Parallelism(context.Background(), n)
	if err != nil {
		t.Fatal(err)
	}
	if p < 1 || p > float64(n) {
		t.Errorf("%d executors: parallelism %v, want 1 to %d", n, p, n)
	}
	t.Logf("%d executors at once: %.2f cores' worth (%d CPUs)", n, p, goruntime.NumCPU())
}

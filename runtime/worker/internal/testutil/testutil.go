// Package testutil starts in-process workers and loads the shared models
// for the tests of runtime/worker and its sub-packages.
package testutil

import (
	"context"
	"crypto/rand"
	"fmt"
	"math"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/importer"
	"github.com/edgectl/edgectl/internal/testenv"
	"github.com/edgectl/edgectl/runtime"
	"github.com/edgectl/edgectl/runtime/worker"
)

// Shared is the shared folder (testenv.Shared).
func Shared(t testing.TB) string { return testenv.Shared(t) }

// Model imports a shared reference model and its test input.
func Model(t testing.TB, name string) (*graphir.Graph, map[string]*graphir.Tensor) {
	t.Helper()
	dir := filepath.Join(Shared(t), "models", name)
	g, err := importer.LoadFile(filepath.Join(dir, "model.onnx"), importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	x, _, err := importer.ReadTensorFile(filepath.Join(dir, "test_data_set_0", "input_0.pb"))
	if err != nil {
		t.Fatal(err)
	}
	return g, map[string]*graphir.Tensor{g.Inputs[0].Name: x}
}

// Token is a random token for a test.
func Token() string { return rand.Text() }

// Server is an in-process worker listening on 127.0.0.1.
type Server struct {
	*worker.Server
	Addr    string
	DataDir string
}

// StartServers starts n in-process workers sharing token (each with its
// own data directory), stopped when the test ends.
func StartServers(t testing.TB, n int, token string, mod func(*worker.Config)) []*Server {
	t.Helper()
	var out []*Server
	for range n {
		cfg := worker.Config{DataDir: t.TempDir(), Token: token}
		if mod != nil {
			mod(&cfg)
		}
		s, err := worker.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go s.Serve(lis)
		t.Cleanup(func() { s.Stop(time.Second) })
		out = append(out, &Server{Server: s, Addr: lis.Addr().String(), DataDir: cfg.DataDir})
	}
	return out
}

// Addrs lists the servers' addresses.
func Addrs(ss []*Server) []string {
	var a []string
	for _, s := range ss {
		a = append(a, s.Addr)
	}
	return a
}

// SingleDevice runs g on this process's executor.
func SingleDevice(t testing.TB, g *graphir.Graph, in map[string]*graphir.Tensor) map[string]*graphir.Tensor {
	t.Helper()
	e, err := runtime.New(g)
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.Run(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// RelTol is the bound distributed outputs must meet against one device:
// max|a-b| <= RelTol * max(1, max|b|).
const RelTol = 1e-5

// Compare reports how got differs from want, or nil within RelTol.
func Compare(g *graphir.Graph, got, want map[string]*graphir.Tensor) error {
	for _, v := range g.Outputs {
		a, b := got[v.Name], want[v.Name]
		if a == nil {
			return fmt.Errorf("output %q missing", v.Name)
		}
		if !a.Shape.Equal(b.Shape) || a.DType != b.DType {
			return fmt.Errorf("output %q is %s %v, want %s %v", v.Name, a.DType, a.Shape, b.DType, b.Shape)
		}
		maxAbs, maxRef := 0.0, 0.0
		for i := range b.Len() {
			x, y := at(a, i), at(b, i)
			if math.IsNaN(x) || math.IsNaN(y) {
				if math.IsNaN(x) != math.IsNaN(y) {
					return fmt.Errorf("output %q[%d]: %v, want %v", v.Name, i, x, y)
				}
				continue
			}
			maxAbs, maxRef = max(maxAbs, math.Abs(x-y)), max(maxRef, math.Abs(y))
		}
		if maxAbs > RelTol*max(1, maxRef) {
			return fmt.Errorf("output %q: max abs difference %.3g, max |ref| %.3g", v.Name, maxAbs, maxRef)
		}
	}
	return nil
}

func at(t *graphir.Tensor, i int) float64 {
	if t.DType == graphir.Int64 {
		return float64(t.I[i])
	}
	return float64(t.F[i])
}

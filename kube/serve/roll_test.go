package serve_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/importer"
	"github.com/edgectl/edgectl/kube/bundle"
	"github.com/edgectl/edgectl/kube/bundle/bundletest"
	"github.com/edgectl/edgectl/kube/serve"
	"github.com/edgectl/edgectl/runtime/worker"
	"github.com/edgectl/edgectl/runtime/worker/coord"
)

// A roll as Kubernetes does it, on loopback: every worker and the
// coordinator are reached through a "Service" (a TCP proxy that sends new
// connections to its current backend while open ones stay where they
// are); a new pod becomes the backend once it serves, then the old pod is
// told to stop (SIGTERM: the worker drains, the coordinator stops after
// its requests). Clients send inferences the whole time, through the
// coordinator's Service; not one may fail, and every answer must equal
// the first.
func TestServer_RollLosesNoRequest(t *testing.T) {
	for _, c := range []struct {
		name    string
		newPlan bool // else the new workers are of the same bundle
		// old, new: the devices of the pipeline plans before and after
		old, new int
	}{
		// The same bundle's workers replaced (a restart, a node drained):
		// one coordinator throughout; the old workers stop before it
		// closes its session, so frames in flight fail and run again on
		// the session it opens on the new workers.
		{"workers replaced", false, 2, 2},
		// A new plan: the old workers drain, serving the old coordinator's
		// session until it closes it; the new coordinator takes over once
		// its session is open on the new workers.
		{"new plan", true, 2, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			token := strings.Repeat("t", 32)
			oldApp := buildApp(t, c.old)
			newApp := oldApp
			if c.newPlan {
				newApp = buildApp(t, c.new)
			}
			var services []*proxy
			for range max(c.old, c.new) {
				services = append(services, startProxy(t))
			}
			var oldWorkers []*worker.Server
			for i := range c.old {
				s, addr := startWorker(t, oldApp, i, token)
				oldWorkers = append(oldWorkers, s)
				services[i].switchTo(addr)
			}
			var logs syncBuffer
			oldCoord, stopOld, oldDone := startCoordinator(t, oldApp, services[:c.old], token, &logs)
			front := startProxy(t)
			front.switchTo(oldCoord)
			url := "http://" + front.addr() + "/v1/infer"
			waitReady(t, "http://"+oldCoord+"/readyz")

			cl := &clients{url: url, body: oldApp.input}
			cl.start(t, 2)
			cl.waitServed(t, 3)

			// The roll. New workers first; each Service switches to its
			// new worker once it serves; then the old workers stop.
			rolling := cl.served.Load()
			for i := range c.new {
				_, addr := startWorker(t, newApp, i, token)
				services[i].switchTo(addr)
			}
			drain := 20 * time.Second
			if !c.newPlan {
				drain = 0 // they stop at once, under the coordinator's session
			}
			var drained sync.WaitGroup
			for _, w := range oldWorkers {
				drained.Go(func() {
					ctx, cancel := context.WithTimeout(context.Background(), drain)
					defer cancel()
					w.Drain(ctx)
					w.Stop(time.Second)
				})
			}
			if c.newPlan {
				newCoord, stopNew, newDone := startCoordinator(t, newApp, services[:c.new], token, &logs)
				defer func() { stopNew(); <-newDone }()
				waitReady(t, "http://"+newCoord+"/readyz")
				front.switchTo(newCoord)
				stopOld()
				if err := <-oldDone; err != nil {
					t.Errorf("old coordinator: %v", err)
				}
			}
			drained.Wait()
			cl.waitServed(t, cl.served.Load()+3)
			cl.stop()
			if !c.newPlan {
				stopOld()
				<-oldDone
			}
			if n := cl.served.Load() - rolling; n < 3 {
				t.Errorf("%d requests served from the roll on, want at least 3", n)
			}
			if f := cl.failures(); len(f) > 0 {
				t.Errorf("%d of %d requests failed during the roll; the first: %s\ncoordinator log:\n%s", len(f), cl.served.Load()+int64(len(f)), f[0], logs.String())
			}
			if !c.newPlan && strings.Count(logs.String(), "session open") < 2 {
				t.Errorf("the coordinator did not open a session on the new workers:\n%s", logs.String())
			}
		})
	}
}

// app is a bundle built for the test.
type app struct {
	b     *bundle.Bundle
	input []byte
}

func buildApp(t *testing.T, devices int) *app {
	t.Helper()
	f := bundletest.Make(t, "resnet18_tiny", devices)
	out := filepath.Join(f.Dir, "app.tar")
	if _, err := bundle.Build(context.Background(), bundle.Options{Model: f.Model, Plan: f.Plan, Cluster: f.Cluster}, out); err != nil {
		t.Fatal(err)
	}
	b, err := bundle.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	in, err := os.ReadFile(f.Input)
	if err != nil {
		t.Fatal(err)
	}
	return &app{b: b, input: in}
}

// startWorker starts device dev-i's worker from its shard of a.
func startWorker(t *testing.T, a *app, i int, token string) (*worker.Server, string) {
	t.Helper()
	dir := t.TempDir()
	device := fmt.Sprintf("dev-%d", i)
	sh, err := a.b.PlaceModel(device, dir)
	if err != nil {
		t.Fatal(err)
	}
	s, err := worker.New(worker.Config{DataDir: dir, Token: token, HasWeights: sh.Has, WeightsOrigin: "shard of " + device})
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(lis)
	t.Cleanup(func() { s.Stop(time.Second) })
	return s, lis.Addr().String()
}

// startCoordinator serves a's plan on the workers behind services; stop
// tells it to stop, done gives Run's error.
func startCoordinator(t *testing.T, a *app, services []*proxy, token string, logs io.Writer) (string, func(), chan error) {
	t.Helper()
	dir := t.TempDir()
	sh, err := a.b.PlaceModel("", dir)
	if err != nil {
		t.Fatal(err)
	}
	g, err := importer.LoadFile(filepath.Join(dir, "models", sh.Model), importer.Options{SkipConst: func(n string) bool { return !sh.Has(n, nil) }})
	if err != nil {
		t.Fatal(err)
	}
	data, err := a.b.ReadFile(bundle.PlanPath)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := graphir.DecodePlan(data)
	if err != nil {
		t.Fatal(err)
	}
	var workers []string
	for i, s := range services {
		workers = append(workers, fmt.Sprintf("dev-%d=%s", i, s.addr()))
	}
	s, err := serve.New(serve.Config{Graph: g, Plan: plan, Model: sh.Model, Workers: workers, Auth: coord.Auth{Token: token},
		Log: slog.New(slog.NewTextHandler(logs, nil)), Retry: 20 * time.Millisecond, Patience: 30 * time.Second,
		// As the endpoints' update in Kubernetes, the switch of the
		// front proxy comes before the old coordinator stops, but a
		// connection it made just before may still wait in the old
		// coordinator's accept queue: serving on for a moment lets it in
		// (closing the listener at once would reset it).
		DrainDelay: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, "127.0.0.1:0", func(a string) { addr <- a }) }()
	t.Cleanup(cancel)
	select {
	case a := <-addr:
		return a, cancel, done
	case err := <-done:
		t.Fatal(err)
	}
	return "", nil, nil
}

func waitReady(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready after a minute: %v", url, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// clients send inferences in a loop, each on a new connection (as a client
// reaching a Service anew), and compare every answer with the first.
type clients struct {
	url    string
	body   []byte
	served atomic.Int64
	quit   chan struct{}
	wg     sync.WaitGroup
	mu     sync.Mutex
	fails  []string
	first  *graphir.Tensor
}

func (c *clients) start(t *testing.T, n int) {
	c.quit = make(chan struct{})
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 2 * time.Minute}
	for range n {
		c.wg.Go(func() {
			for {
				select {
				case <-c.quit:
					return
				default:
				}
				if err := c.one(hc); err != nil {
					c.mu.Lock()
					c.fails = append(c.fails, err.Error())
					c.mu.Unlock()
					continue
				}
				c.served.Add(1)
			}
		})
	}
	t.Cleanup(c.stop)
}

func (c *clients) one(hc *http.Client) error {
	resp, err := hc.Post(c.url, "application/x-protobuf", bytes.NewReader(c.body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", resp.Status, data)
	}
	out, _, err := importer.DecodeTensor(data)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.first == nil {
		c.first = out
		return nil
	}
	if len(out.F) != len(c.first.F) {
		return fmt.Errorf("answer of %d values, the first had %d", len(out.F), len(c.first.F))
	}
	for i, v := range out.F {
		if d := math.Abs(float64(v - c.first.F[i])); d > 1e-4*(1+math.Abs(float64(v))) {
			return fmt.Errorf("answer [%d] = %v, the first answer had %v", i, v, c.first.F[i])
		}
	}
	return nil
}

func (c *clients) waitServed(t *testing.T, n int64) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for c.served.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d requests served in two minutes, want %d; failures: %v", c.served.Load(), n, c.failures())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (c *clients) stop() {
	select {
	case <-c.quit:
	default:
		close(c.quit)
	}
	c.wg.Wait()
}

func (c *clients) failures() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.fails...)
}

// proxy is a Service: new connections go to the current backend; open
// ones stay with theirs until either end closes. Once switchTo returns,
// no connection is made to the old backend.
type proxy struct {
	lis    net.Listener
	mu     sync.Mutex
	target string
	conns  map[net.Conn]bool
}

func startProxy(t *testing.T) *proxy {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{lis: lis, conns: map[net.Conn]bool{}}
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *proxy) addr() string { return p.lis.Addr().String() }
func (p *proxy) switchTo(backend string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.target = backend
}

func (p *proxy) accept() {
	for {
		in, err := p.lis.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		out, err := net.Dial("tcp", p.target)
		if err != nil {
			p.mu.Unlock()
			in.Close()
			continue
		}
		p.conns[in], p.conns[out] = true, true
		p.mu.Unlock()
		pipe := func(dst, src net.Conn) {
			io.Copy(dst, src)
			dst.Close()
			src.Close()
			p.mu.Lock()
			delete(p.conns, dst)
			delete(p.conns, src)
			p.mu.Unlock()
		}
		go pipe(out, in)
		go pipe(in, out)
	}
}

func (p *proxy) close() {
	p.lis.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
}

// syncBuffer collects log lines from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

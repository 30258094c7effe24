package plugins

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// Defaults of Options.
const (
	// DefaultMemoryLimitPages caps each instance's linear memory at 1 GiB.
	DefaultMemoryLimitPages = 16384
	// DefaultCallDeadline bounds one call of an untrusted plugin. Tiles are
	// sized so a correct kernel needs a small fraction of it.
	DefaultCallDeadline = 2 * time.Second
	// DefaultTileFLOPs bounds the work of one call (2^27, about 45 ms at
	// 3 GFLOP/s).
	DefaultTileFLOPs = 1 << 27
	// maxPluginBytes bounds the size of a plugin file.
	maxPluginBytes = 64 << 20
)

// Options configure how a plugin is loaded and run. The zero value is
// usable: untrusted, disk cache in DefaultCacheDir, one instance per core.
type Options struct {
	// CacheDir holds compiled plugins (wazero.NewCompilationCacheWithDir);
	// "" means DefaultCacheDir(). NoDiskCache compiles in memory only.
	CacheDir    string
	NoDiskCache bool
	// MemoryLimitPages caps each instance's linear memory (64 KiB pages).
	MemoryLimitPages uint32
	// Instances is the most instances run at once (one per worker thread);
	// 0 means GOMAXPROCS.
	Instances int
	// CallDeadline bounds each call of an untrusted plugin; 0 means
	// DefaultCallDeadline. Ignored in trusted mode.
	CallDeadline time.Duration
	// Trusted runs the plugin without loop-header checks and deadlines
	// (wazero's WithCloseOnContextDone slows tight loops several times). It
	// is allowed only for a plugin pinned by digest (Open's wantSHA256), for
	// a digest the control plane signed. The conformance check still runs
	// guarded, so a plugin that hangs at load is refused, but a trusted
	// plugin that loops later hangs its caller.
	Trusted bool
	// TileFLOPs bounds the work of one call; 0 means DefaultTileFLOPs.
	TileFLOPs int64
	// Seed chooses the conformance shapes; 0 derives it from the digest.
	Seed uint64
	// Logger receives unload and fallback reasons; nil means slog.Default().
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.MemoryLimitPages == 0 {
		o.MemoryLimitPages = DefaultMemoryLimitPages
	}
	if o.Instances <= 0 {
		o.Instances = goruntime.GOMAXPROCS(0)
	}
	if o.CallDeadline <= 0 {
		o.CallDeadline = DefaultCallDeadline
	}
	if o.TileFLOPs <= 0 {
		o.TileFLOPs = DefaultTileFLOPs
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.CacheDir == "" && !o.NoDiskCache {
		o.CacheDir = DefaultCacheDir()
	}
	return o
}

// DefaultCacheDir is where compiled plugins are cached:
// $XDG_CACHE_HOME/edgectl/wasm (or the OS's user cache dir), falling back
// to the temporary directory.
func DefaultCacheDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "edgectl", "wasm")
}

// Plugin is a loaded, conformance-checked kernel plugin. It is safe for
// concurrent use. After a failure (trap, deadline, memory, wrong shape) it
// is unloaded: its kernels fall back to the native ones for good.
type Plugin struct {
	path, digest string
	size         int
	manifest     *Manifest
	report       *Report
	opts         Options
	log          *slog.Logger
	host         *wasiHost
	nextID       atomic.Uint64 // instance names and spec ids

	mu     sync.Mutex
	cond   *sync.Cond
	eng    *engine
	idle   []*instance
	live   int // instances created and not closed, idle or busy
	dead   bool
	reason string
	stale  []uint64 // ids of specs no executor uses any more (append-only)

	weightBytes atomic.Int64
	tiles       atomic.Int64
	fallbacks   atomic.Int64
	compileCold time.Duration // first compile in this process
}

// Path, SHA256, Manifest and Report describe the plugin; Report is the
// conformance check it passed.
func (p *Plugin) Path() string               { return p.path }
func (p *Plugin) SHA256() string             { return p.digest }
func (p *Plugin) Manifest() *Manifest        { return p.manifest }
func (p *Plugin) Report() *Report            { return p.report }
func (p *Plugin) Trusted() bool              { return p.opts.Trusted }
func (p *Plugin) Name() string               { return p.manifest.Name }
func (p *Plugin) CompileTime() time.Duration { return p.compileCold }
func (p *Plugin) Instances() int             { return p.opts.Instances }

// Unloaded reports whether the plugin was unloaded and why.
func (p *Plugin) Unloaded() (bool, string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.dead, p.reason
}

// Stats counts the tiles the plugin computed and the kernel calls that fell
// back to a native kernel.
type Stats struct {
	Tiles, Fallbacks int64
}

// Stats returns the counters.
func (p *Plugin) Stats() Stats { return Stats{p.tiles.Load(), p.fallbacks.Load()} }

// RefusedError is returned by Open for a plugin whose results differ from
// the native kernels; Report lists every case.
type RefusedError struct {
	Path   string
	Report *Report
}

func (e *RefusedError) Error() string {
	failed, first := 0, ""
	for _, c := range e.Report.Cases {
		if !c.OK {
			if failed == 0 {
				first = c.Name + ": " + c.problem()
			}
			failed++
		}
	}
	return fmt.Sprintf("plugin %s refused: %d of %d conformance cases failed; first: %s", e.Path, failed, len(e.Report.Cases), first)
}

// Open loads the plugin at path, checks its digest against wantSHA256 (hex;
// "" accepts any), validates its ABI version, imports, exports and
// manifest, and runs the conformance check against the reference kernels.
// A plugin that fails the check is refused with a *RefusedError.
func Open(path, wantSHA256 string, opts Options) (*Plugin, error) {
	wasm, digest, err := readPlugin(path)
	if err != nil {
		return nil, err
	}
	if wantSHA256 != "" && !strings.EqualFold(strings.TrimSpace(wantSHA256), digest) {
		return nil, fmt.Errorf("plugin %s: sha256 %s does not match the pinned digest %s", path, digest, wantSHA256)
	}
	if opts.Trusted && wantSHA256 == "" {
		return nil, fmt.Errorf("plugin %s: trusted mode needs a pinned sha256 digest", path)
	}
	opts = opts.withDefaults()
	p := &Plugin{path: path, digest: digest, size: len(wasm), opts: opts, log: opts.Logger, host: &wasiHost{}}
	p.cond = sync.NewCond(&p.mu)
	ctx := context.Background()
	// Load and check guarded, whatever the trust: a plugin that loops in the
	// check is refused rather than hanging the worker.
	start := time.Now()
	eng, err := newEngine(ctx, wasm, true, opts, p.host)
	if err != nil {
		return nil, fmt.Errorf("plugin %s: %w", path, err)
	}
	p.compileCold = time.Since(start)
	p.eng = eng
	in, err := p.acquire()
	if err != nil {
		p.Close()
		return nil, fmt.Errorf("plugin %s: %w", path, err)
	}
	m, err := in.handshake()
	p.release(in)
	if err != nil {
		p.Close()
		return nil, fmt.Errorf("plugin %s: %w", path, err)
	}
	p.manifest = m
	if err := eng.checkKernelExports(m); err != nil {
		p.Close()
		return nil, fmt.Errorf("plugin %s: %w", path, err)
	}
	p.report = p.conform()
	if !p.report.OK() {
		p.Close()
		return nil, &RefusedError{Path: path, Report: p.report}
	}
	// Start serving on fresh instances: the check's weights are dropped.
	p.mu.Lock()
	idle := p.idle
	p.idle, p.live = nil, p.live-len(idle)
	p.mu.Unlock()
	for _, in := range idle {
		in.close()
	}
	if opts.Trusted {
		trusted, err := newEngine(ctx, wasm, false, opts, p.host)
		if err != nil {
			p.Close()
			return nil, fmt.Errorf("plugin %s: %w", path, err)
		}
		p.mu.Lock()
		old := p.eng
		p.eng = trusted
		p.mu.Unlock()
		old.close()
	}
	return p, nil
}

func readPlugin(path string) ([]byte, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", fmt.Errorf("plugin %w", err)
	}
	defer f.Close()
	wasm, err := io.ReadAll(io.LimitReader(f, maxPluginBytes+1))
	if err != nil {
		return nil, "", fmt.Errorf("plugin %s: %w", path, err)
	}
	if len(wasm) > maxPluginBytes {
		return nil, "", fmt.Errorf("plugin %s: larger than %d MiB", path, maxPluginBytes>>20)
	}
	if !littleEndian() {
		return nil, "", fmt.Errorf("plugin %s: kernel plugins need a little-endian host", path)
	}
	sum := sha256.Sum256(wasm)
	return wasm, hex.EncodeToString(sum[:]), nil
}

func littleEndian() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}

// Close unloads the plugin and frees its instances once no call uses them.
func (p *Plugin) Close() error {
	p.shutdown("closed", false)
	return nil
}

// unload takes the plugin out of service for reason, logging it once; its
// kernels fall back to native ones from then on.
func (p *Plugin) unload(reason string) { p.shutdown(reason, true) }

func (p *Plugin) shutdown(reason string, failure bool) {
	p.mu.Lock()
	if p.dead {
		p.mu.Unlock()
		return
	}
	p.dead, p.reason = true, reason
	idle := p.idle
	p.idle = nil
	p.live -= len(idle)
	eng := p.eng
	last := p.live == 0
	p.cond.Broadcast()
	p.mu.Unlock()
	for _, in := range idle {
		in.close()
	}
	if last && eng != nil {
		eng.close()
	}
	if failure {
		attrs := []any{"plugin", p.path, "sha256", p.digest, "reason", reason}
		if out := p.host.Output(); out != "" {
			attrs = append(attrs, "plugin_output", out)
		}
		p.log.Error("kernel plugin unloaded; its ops fall back to native kernels", attrs...)
	}
}

// acquire returns an idle instance, creates one while fewer than
// Options.Instances exist, or waits.
func (p *Plugin) acquire() (*instance, error) {
	p.mu.Lock()
	for {
		if p.dead {
			reason := p.reason
			p.mu.Unlock()
			return nil, fmt.Errorf("plugin unloaded: %s", reason)
		}
		if n := len(p.idle); n > 0 {
			in := p.idle[n-1]
			p.idle = p.idle[:n-1]
			stale := p.stale[in.staleSeen:]
			in.staleSeen = len(p.stale)
			p.mu.Unlock()
			in.dropStale(stale)
			return in, nil
		}
		if p.live < p.opts.Instances {
			p.live++
			eng := p.eng
			p.mu.Unlock()
			in, err := newInstance(p, eng)
			if err != nil {
				p.mu.Lock()
				p.live--
				p.cond.Signal()
				p.mu.Unlock()
				return nil, err
			}
			return in, nil
		}
		p.cond.Wait()
	}
}

// release returns in to the pool, or closes it when it failed or the
// plugin is unloaded.
func (p *Plugin) release(in *instance) {
	p.mu.Lock()
	if !p.dead && !in.broken && in.eng == p.eng {
		p.idle = append(p.idle, in)
		p.cond.Signal()
		p.mu.Unlock()
		return
	}
	p.live--
	last := p.dead && p.live == 0
	eng := p.eng
	p.cond.Signal()
	p.mu.Unlock()
	in.close()
	if last {
		eng.close()
	}
}

// forget schedules the release of a spec's weights in every instance.
func (p *Plugin) forget(id uint64, bytes int64) {
	p.weightBytes.Add(-bytes)
	p.mu.Lock()
	p.stale = append(p.stale, id)
	p.mu.Unlock()
}

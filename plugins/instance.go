package plugins

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unsafe"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// errDeclined marks a prepare that answered EUNSUPPORTED: the node falls
// back to a native kernel, the plugin stays loaded.
var errDeclined = errors.New("plugin declined the node (EUNSUPPORTED)")

// instance is one instantiation of the plugin, used by one goroutine at a
// time (one per worker thread). It holds the weights of every spec it ran.
type instance struct {
	p      *Plugin
	eng    *engine
	mod    api.Module
	mem    api.Memory
	broken bool // a call failed: close instead of reusing

	alloc, free, release api.Function
	prepare, run         map[opKind]api.Function

	handles   map[uint64]int32 // spec id -> plugin handle
	staleSeen int              // prefix of Plugin.stale already released
	scratch   uint32           // edgek_op and edgek_tile, 128 bytes
	inBuf     uint32
	inCap     int
	outBuf    uint32
	outCap    int
}

func newInstance(p *Plugin, eng *engine) (*instance, error) {
	ctx, cancel := p.callContext(eng)
	defer cancel()
	cfg := wazero.NewModuleConfig().WithName(fmt.Sprintf("edgek-%d", p.nextID.Add(1)))
	if eng.hasInit {
		cfg = cfg.WithStartFunctions(exportInitialize)
	} else {
		cfg = cfg.WithStartFunctions()
	}
	mod, err := eng.rt.InstantiateModule(ctx, eng.compiled, cfg)
	if err != nil {
		return nil, fmt.Errorf("instantiate: %s", trapText(ctx, err, p.opts.CallDeadline))
	}
	in := &instance{p: p, eng: eng, mod: mod, mem: mod.Memory(), handles: map[uint64]int32{},
		alloc: mod.ExportedFunction(exportAlloc), free: mod.ExportedFunction(exportFree),
		release: mod.ExportedFunction(exportRelease),
		prepare: map[opKind]api.Function{}, run: map[opKind]api.Function{}}
	for k := opConv2D; k <= opAvgPool2D; k++ {
		if f := mod.ExportedFunction("edgek_" + k.entry() + "_prepare"); f != nil {
			in.prepare[k] = f
		}
		if f := mod.ExportedFunction("edgek_" + k.entry() + "_run"); f != nil {
			in.run[k] = f
		}
	}
	if in.mem == nil {
		in.close()
		return nil, errors.New("instance has no memory")
	}
	if in.scratch, err = in.allocate(descSize + tileSize); err != nil {
		in.close()
		return nil, err
	}
	return in, nil
}

func (in *instance) close() { in.mod.Close(context.Background()) }

// callContext bounds a call of a guarded engine by the deadline.
func (p *Plugin) callContext(eng *engine) (context.Context, context.CancelFunc) {
	if eng.guarded {
		return context.WithTimeout(context.Background(), p.opts.CallDeadline)
	}
	return context.Background(), func() {}
}

// call runs one export; any failure marks the instance broken.
func (in *instance) call(f api.Function, args ...uint64) (uint64, error) {
	ctx, cancel := in.p.callContext(in.eng)
	defer cancel()
	res, err := f.Call(ctx, args...)
	if err != nil {
		in.broken = true
		return 0, fmt.Errorf("%s: %s", f.Definition().ExportNames()[0], trapText(ctx, err, in.p.opts.CallDeadline))
	}
	if len(res) == 0 {
		return 0, nil
	}
	return res[0], nil
}

// trapText says why a call failed in one line.
func trapText(ctx context.Context, err error, deadline time.Duration) string {
	if ctx.Err() != nil {
		return fmt.Sprintf("exceeded its %v deadline", deadline)
	}
	msg := err.Error()
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	return "trapped: " + strings.TrimSuffix(msg, " (recovered by wazero)")
}

// handshake checks the ABI version and reads the manifest.
func (in *instance) handshake() (*Manifest, error) {
	v, err := in.call(in.mod.ExportedFunction(exportABIVersion))
	if err != nil {
		return nil, err
	}
	if int32(v) != ABIVersion {
		return nil, fmt.Errorf("abi version %d, this host speaks %d", int32(v), ABIVersion)
	}
	ptr, err := in.call(in.mod.ExportedFunction(exportManifestPtr))
	if err != nil {
		return nil, err
	}
	n, err := in.call(in.mod.ExportedFunction(exportManifestLen))
	if err != nil {
		return nil, err
	}
	if uint32(n) > 1<<20 {
		return nil, fmt.Errorf("manifest of %d bytes is larger than 1 MiB", uint32(n))
	}
	data, ok := in.mem.Read(uint32(ptr), uint32(n))
	if !ok {
		return nil, fmt.Errorf("manifest [%#x, +%d) lies outside linear memory", uint32(ptr), uint32(n))
	}
	return ParseManifest(append([]byte(nil), data...))
}

// allocate asks the plugin for n bytes.
func (in *instance) allocate(n int) (uint32, error) {
	if n < 0 || n > 1<<31-1 {
		return 0, fmt.Errorf("buffer of %d bytes is too large", n)
	}
	r, err := in.call(in.alloc, uint64(n))
	if err != nil {
		return 0, err
	}
	ptr := uint32(r)
	if ptr == 0 {
		in.broken = true
		return 0, fmt.Errorf("edgek_alloc(%d): out of memory (limit %d MiB)", n, in.p.opts.MemoryLimitPages>>4)
	}
	if ptr%16 != 0 || uint64(ptr)+uint64(n) > uint64(in.mem.Size()) {
		in.broken = true
		return 0, fmt.Errorf("edgek_alloc(%d) returned %#x, not a 16-byte aligned buffer inside memory", n, ptr)
	}
	return ptr, nil
}

// floats views n float32 values at ptr in linear memory. The view is valid
// until the next call into the plugin (which may grow the memory).
func (in *instance) floats(ptr uint32, n int) ([]float32, error) {
	b, ok := in.mem.Read(ptr, uint32(4*n))
	if !ok || n < 0 {
		in.broken = true
		return nil, fmt.Errorf("buffer [%#x, +%d floats) lies outside linear memory", ptr, n)
	}
	if n == 0 {
		return nil, nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(b))), n), nil
}

// bytes views n bytes at ptr.
func (in *instance) bytes(ptr uint32, n int) ([]byte, error) {
	b, ok := in.mem.Read(ptr, uint32(n))
	if !ok {
		in.broken = true
		return nil, fmt.Errorf("buffer [%#x, +%d) lies outside linear memory", ptr, n)
	}
	return b, nil
}

// buffers returns input and output buffers of at least the given sizes,
// reusing this instance's buffers while they are large enough.
func (in *instance) buffers(inBytes, outBytes int) (uint32, uint32, error) {
	grow := func(buf *uint32, capacity *int, need int) error {
		if *capacity >= need {
			return nil
		}
		if *buf != 0 {
			if _, err := in.call(in.free, uint64(*buf)); err != nil {
				return err
			}
			*buf, *capacity = 0, 0
		}
		size := (need + 65535) &^ 65535
		ptr, err := in.allocate(size)
		if err != nil {
			return err
		}
		*buf, *capacity = ptr, size
		return nil
	}
	if err := grow(&in.inBuf, &in.inCap, inBytes); err != nil {
		return 0, 0, err
	}
	if err := grow(&in.outBuf, &in.outCap, outBytes); err != nil {
		return 0, 0, err
	}
	return in.inBuf, in.outBuf, nil
}

// writeFloats copies data into a fresh plugin buffer.
func (in *instance) writeFloats(data []float32) (uint32, error) {
	ptr, err := in.allocate(4 * len(data))
	if err != nil {
		return 0, err
	}
	view, err := in.floats(ptr, len(data))
	if err != nil {
		return 0, err
	}
	copy(view, data)
	return ptr, nil
}

// handle hands s's weights to the plugin once per instance.
func (in *instance) handle(s *spec) (int32, error) {
	if h, ok := in.handles[s.id]; ok {
		return h, nil
	}
	d := s.desc
	var err error
	if len(s.weights) > 0 {
		if d.Weights, err = in.writeFloats(s.weights); err != nil {
			return 0, err
		}
	}
	if len(s.bias) > 0 {
		if d.Bias, err = in.writeFloats(s.bias); err != nil {
			return 0, err
		}
	}
	if in.eng.guarded {
		d.Flags |= flagLoopChecks
	}
	b, err := in.bytes(in.scratch, descSize)
	if err != nil {
		return 0, err
	}
	d.encode(b)
	r, err := in.call(in.prepare[s.kind], uint64(in.scratch))
	if err != nil {
		return 0, err
	}
	h := int32(r)
	switch {
	case h == statusUnsupported:
		return 0, errDeclined
	case h <= 0:
		in.broken = true
		return 0, fmt.Errorf("edgek_%s_prepare returned %s", s.kind.entry(), statusText(h))
	}
	in.handles[s.id] = h
	return h, nil
}

// dropStale releases the handles of specs no executor uses any more.
func (in *instance) dropStale(ids []uint64) {
	for _, id := range ids {
		if h, ok := in.handles[id]; ok {
			delete(in.handles, id)
			if _, err := in.call(in.release, uint64(uint32(h))); err != nil {
				return // broken: released to be closed by the caller's release
			}
		}
	}
}

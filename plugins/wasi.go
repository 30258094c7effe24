package plugins

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"
)

// The host satisfies exactly the wasi_snapshot_preview1 functions a Go
// wasip1 reactor imports (GOOS=wasip1, -buildmode=c-shared), and nothing
// else: a plugin importing any other function is refused at load.
//
//   - no file system: there are no preopened directories and no path_* or
//     fd_read functions; fd_write accepts only fd 1 and 2, whose bytes go
//     to a small per-plugin buffer shown in unload reasons;
//   - no network: no sock_* functions;
//   - no clock: clock_time_get returns a fake time that starts at 1 s and
//     advances by 1 ms per reading, carrying no information about real
//     time; poll_oneoff (sleep) returns at once;
//   - args and environment are empty; random_get is a deterministic stream;
//     proc_exit closes the instance, which the host then unloads.
const wasiModule = "wasi_snapshot_preview1"

var i32 = api.ValueTypeI32
var i64 = api.ValueTypeI64

// wasiFunc is one host function with its Wasm signature.
type wasiFunc struct {
	params, results []api.ValueType
	fn              func(h *wasiHost, ctx context.Context, m api.Module, stack []uint64)
}

// WASI errno values used here.
const (
	errnoSuccess = 0
	errnoBadf    = 8
	errnoFault   = 21
	errnoInval   = 28
)

var wasiFuncs = map[string]wasiFunc{
	"args_sizes_get":    {[]api.ValueType{i32, i32}, []api.ValueType{i32}, wasiSizesGet},
	"args_get":          {[]api.ValueType{i32, i32}, []api.ValueType{i32}, wasiNothing},
	"environ_sizes_get": {[]api.ValueType{i32, i32}, []api.ValueType{i32}, wasiSizesGet},
	"environ_get":       {[]api.ValueType{i32, i32}, []api.ValueType{i32}, wasiNothing},
	"clock_time_get":    {[]api.ValueType{i32, i64, i32}, []api.ValueType{i32}, wasiClockTimeGet},
	"fd_write":          {[]api.ValueType{i32, i32, i32, i32}, []api.ValueType{i32}, wasiFdWrite},
	"random_get":        {[]api.ValueType{i32, i32}, []api.ValueType{i32}, wasiRandomGet},
	"poll_oneoff":       {[]api.ValueType{i32, i32, i32, i32}, []api.ValueType{i32}, wasiPollOneoff},
	"sched_yield":       {nil, []api.ValueType{i32}, wasiNothing},
	"proc_exit":         {[]api.ValueType{i32}, nil, wasiProcExit},
}

// wasiHost is the state behind one plugin's host functions.
type wasiHost struct {
	clock atomic.Int64
	rand  atomic.Uint64

	mu     sync.Mutex
	output []byte // the last bytes written to fd 1 and 2
}

const wasiOutputMax = 2048

// instantiateWASI installs the host module in r.
func instantiateWASI(ctx context.Context, r wazero.Runtime, h *wasiHost) error {
	h.clock.Store(1e9)
	b := r.NewHostModuleBuilder(wasiModule)
	for name, f := range wasiFuncs {
		f := f
		b.NewFunctionBuilder().
			WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, m api.Module, stack []uint64) {
				f.fn(h, ctx, m, stack)
			}), f.params, f.results).
			Export(name)
	}
	_, err := b.Instantiate(ctx)
	return err
}

// Output returns what the plugin wrote to stdout and stderr (the tail).
func (h *wasiHost) Output() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return string(h.output)
}

func wasiNothing(_ *wasiHost, _ context.Context, _ api.Module, stack []uint64) {
	stack[0] = errnoSuccess
}

func wasiSizesGet(_ *wasiHost, _ context.Context, m api.Module, stack []uint64) {
	mem := m.Memory()
	if mem == nil || !mem.WriteUint32Le(uint32(stack[0]), 0) || !mem.WriteUint32Le(uint32(stack[1]), 0) {
		stack[0] = errnoFault
		return
	}
	stack[0] = errnoSuccess
}

func wasiClockTimeGet(h *wasiHost, _ context.Context, m api.Module, stack []uint64) {
	id, at := uint32(stack[0]), uint32(stack[2])
	if id > 3 {
		stack[0] = errnoInval
		return
	}
	t := h.clock.Add(1e6)
	if mem := m.Memory(); mem == nil || !mem.WriteUint64Le(at, uint64(t)) {
		stack[0] = errnoFault
		return
	}
	stack[0] = errnoSuccess
}

func wasiFdWrite(h *wasiHost, _ context.Context, m api.Module, stack []uint64) {
	fd, iovs, count, nwritten := uint32(stack[0]), uint32(stack[1]), uint32(stack[2]), uint32(stack[3])
	if fd != 1 && fd != 2 {
		stack[0] = errnoBadf
		return
	}
	mem := m.Memory()
	if mem == nil || count > 1024 {
		stack[0] = errnoInval
		return
	}
	var total uint32
	for i := uint32(0); i < count; i++ {
		ptr, ok1 := mem.ReadUint32Le(iovs + 8*i)
		n, ok2 := mem.ReadUint32Le(iovs + 8*i + 4)
		data, ok3 := mem.Read(ptr, n)
		if !ok1 || !ok2 || !ok3 {
			stack[0] = errnoFault
			return
		}
		h.mu.Lock()
		if len(data) > wasiOutputMax {
			data = data[len(data)-wasiOutputMax:]
		}
		h.output = append(h.output, data...)
		if len(h.output) > wasiOutputMax {
			h.output = append(h.output[:0], h.output[len(h.output)-wasiOutputMax:]...)
		}
		h.mu.Unlock()
		total += n
	}
	if !mem.WriteUint32Le(nwritten, total) {
		stack[0] = errnoFault
		return
	}
	stack[0] = errnoSuccess
}

func wasiRandomGet(h *wasiHost, _ context.Context, m api.Module, stack []uint64) {
	buf, n := uint32(stack[0]), uint32(stack[1])
	mem := m.Memory()
	if mem == nil {
		stack[0] = errnoFault
		return
	}
	data, ok := mem.Read(buf, n)
	if !ok {
		stack[0] = errnoFault
		return
	}
	for i := range data {
		// splitmix64: deterministic, no entropy from the host.
		z := h.rand.Add(0x9e3779b97f4a7c15)
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		data[i] = byte(z ^ (z >> 31))
	}
	stack[0] = errnoSuccess
}

// wasiPollOneoff answers every subscription at once (a sleep returns
// immediately; there is nothing to read).
func wasiPollOneoff(_ *wasiHost, _ context.Context, m api.Module, stack []uint64) {
	in, out, nsubs, nevents := uint32(stack[0]), uint32(stack[1]), uint32(stack[2]), uint32(stack[3])
	mem := m.Memory()
	if mem == nil || nsubs == 0 || nsubs > 1024 {
		stack[0] = errnoInval
		return
	}
	for i := uint32(0); i < nsubs; i++ {
		sub, ok1 := mem.Read(in+48*i, 48)
		ev, ok2 := mem.Read(out+32*i, 32)
		if !ok1 || !ok2 {
			stack[0] = errnoFault
			return
		}
		clear(ev)
		copy(ev[0:8], sub[0:8]) // userdata
		ev[10] = sub[8]         // event type = subscription tag
	}
	if !mem.WriteUint32Le(nevents, nsubs) {
		stack[0] = errnoFault
		return
	}
	stack[0] = errnoSuccess
}

func wasiProcExit(_ *wasiHost, ctx context.Context, m api.Module, stack []uint64) {
	code := uint32(stack[0])
	_ = m.CloseWithExitCode(ctx, code)
	panic(sys.NewExitError(code))
}

package plugins

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// guardFunctionEntries returns a copy of the Wasm binary wasm in which every
// function body starts with an empty loop (`loop end`, bytes 03 40 0b).
//
// wazero's WithCloseOnContextDone checks for a cancelled call only at loop
// headers. A guest without loops can still run for ever by exponential
// recursion (f calls f twice, depth 40), which no loop header interrupts. With
// a loop header at every function entry, every call passes a check too. The
// cost is one check per call, which kernels with inlined inner loops barely
// pay; Go guests already have a loop at the top of every function.
//
// Only the code section changes; function, global and table indices are
// untouched, so nothing else needs rewriting. DWARF offsets no longer match,
// so the host disables debug info.
func guardFunctionEntries(wasm []byte) ([]byte, error) {
	if len(wasm) < 8 || !bytes.Equal(wasm[:4], []byte("\x00asm")) {
		return nil, errors.New("not a WebAssembly binary")
	}
	if binary.LittleEndian.Uint32(wasm[4:8]) != 1 {
		return nil, fmt.Errorf("unsupported WebAssembly binary version %d", binary.LittleEndian.Uint32(wasm[4:8]))
	}
	out := make([]byte, 0, len(wasm)+64<<10)
	out = append(out, wasm[:8]...)
	r := wasm[8:]
	for len(r) > 0 {
		id := r[0]
		size, n, err := readU32(r[1:])
		if err != nil {
			return nil, fmt.Errorf("section %d: %w", id, err)
		}
		start := 1 + n
		if uint64(start)+uint64(size) > uint64(len(r)) {
			return nil, fmt.Errorf("section %d: size %d runs past the end", id, size)
		}
		payload := r[start : start+int(size)]
		r = r[start+int(size):]
		if id != 10 {
			out = append(out, id)
			out = appendU32(out, size)
			out = append(out, payload...)
			continue
		}
		code, err := guardCode(payload)
		if err != nil {
			return nil, fmt.Errorf("code section: %w", err)
		}
		out = append(out, id)
		out = appendU32(out, uint32(len(code)))
		out = append(out, code...)
	}
	return out, nil
}

// guardCode rewrites the payload of the code section.
func guardCode(p []byte) ([]byte, error) {
	count, n, err := readU32(p)
	if err != nil {
		return nil, err
	}
	p = p[n:]
	out := appendU32(make([]byte, 0, len(p)+4*int(min(count, 1<<20))+8), count)
	for i := uint32(0); i < count; i++ {
		size, n, err := readU32(p)
		if err != nil {
			return nil, fmt.Errorf("function %d: %w", i, err)
		}
		if uint64(n)+uint64(size) > uint64(len(p)) {
			return nil, fmt.Errorf("function %d: body size %d runs past the section", i, size)
		}
		body := p[n : n+int(size)]
		p = p[n+int(size):]
		// Skip the local declarations: a count, then (count, type) pairs.
		groups, off, err := readU32(body)
		if err != nil {
			return nil, fmt.Errorf("function %d locals: %w", i, err)
		}
		for g := uint32(0); g < groups; g++ {
			_, m, err := readU32(body[off:])
			if err != nil || off+m >= len(body) {
				return nil, fmt.Errorf("function %d: malformed locals", i)
			}
			off += m + 1 // the count and one value-type byte
		}
		out = appendU32(out, size+3)
		out = append(out, body[:off]...)
		out = append(out, 0x03, 0x40, 0x0b) // loop (empty block type) end
		out = append(out, body[off:]...)
	}
	if len(p) != 0 {
		return nil, fmt.Errorf("%d trailing bytes", len(p))
	}
	return out, nil
}

// readU32 decodes an unsigned LEB128 value of at most 32 bits.
func readU32(b []byte) (uint32, int, error) {
	var v uint64
	for i := 0; i < 5; i++ {
		if i >= len(b) {
			return 0, 0, errors.New("truncated LEB128 value")
		}
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i]&0x80 == 0 {
			if v > 0xffffffff {
				return 0, 0, errors.New("LEB128 value overflows 32 bits")
			}
			return uint32(v), i + 1, nil
		}
	}
	return 0, 0, errors.New("LEB128 value longer than 5 bytes")
}

func appendU32(b []byte, v uint32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

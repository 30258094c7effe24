package plugins

import (
	"encoding/binary"
	"fmt"
)

// ABIVersion is the plugin ABI this host speaks (plugins/ABI.md).
const ABIVersion = 1

// Status codes returned by a plugin's prepare and run entry points.
const (
	statusOK          = 0
	statusInvalid     = -1 // malformed descriptor or tile
	statusNoMemory    = -2
	statusUnsupported = -3 // outside the manifest: the node falls back, the plugin stays
	statusBadHandle   = -4
	statusInternal    = -5
)

func statusText(s int32) string {
	switch s {
	case statusOK:
		return "ok"
	case statusInvalid:
		return "EINVAL (invalid descriptor or tile)"
	case statusNoMemory:
		return "ENOMEM (out of linear memory)"
	case statusUnsupported:
		return "EUNSUPPORTED"
	case statusBadHandle:
		return "EHANDLE (unknown handle)"
	case statusInternal:
		return "EINTERNAL"
	}
	return fmt.Sprintf("unknown status %d", s)
}

// opKind is edgek_op.op.
type opKind int32

const (
	opConv2D    opKind = 1
	opDWConv2D  opKind = 2
	opGemm      opKind = 3
	opMaxPool2D opKind = 4
	opAvgPool2D opKind = 5
)

// opNames are the manifest names of the op kinds.
var opNames = map[opKind]string{
	opConv2D:    "conv2d",
	opDWConv2D:  "dwconv2d",
	opGemm:      "gemm",
	opMaxPool2D: "maxpool2d",
	opAvgPool2D: "avgpool2d",
}

func (k opKind) String() string {
	if s, ok := opNames[k]; ok {
		return s
	}
	return fmt.Sprintf("op(%d)", int32(k))
}

// entry is the export-name stem of an op kind's prepare and run functions:
// edgek_<stem>_prepare and edgek_<stem>_run. Both pools share one pair.
func (k opKind) entry() string {
	if k == opMaxPool2D || k == opAvgPool2D {
		return "pool2d"
	}
	return k.String()
}

// Epilogues: applied after the bias.
const (
	epilogueNone = 0
	epilogueReLU = 1
)

// flagLoopChecks in edgek_op.flags tells the plugin that the host interrupts
// calls at loop headers (guarded mode), so each loop iteration costs a check:
// prefer long loop bodies.
const flagLoopChecks = 1

// Export names.
const (
	exportMemory      = "memory"
	exportABIVersion  = "edgek_abi_version"
	exportManifestPtr = "edgek_manifest_ptr"
	exportManifestLen = "edgek_manifest_len"
	exportAlloc       = "edgek_alloc"
	exportFree        = "edgek_free"
	exportRelease     = "edgek_release"
	exportInitialize  = "_initialize" // optional, run once per instance (Go reactors)
)

// descSize and tileSize are the sizes of edgek_op and edgek_tile.
const (
	descSize = 64
	tileSize = 64
)

// opDesc is edgek_op: sixteen little-endian int32 fields.
type opDesc struct {
	Op               opKind
	CIn, COut        int32
	KH, KW           int32
	SH, SW           int32
	DH, DW           int32
	Epilogue         int32
	Weights, Bias    uint32
	MaxInH, MaxInW   int32
	Flags, Reserved0 int32
}

func (d *opDesc) encode(b []byte) {
	v := [16]uint32{uint32(d.Op), uint32(d.CIn), uint32(d.COut), uint32(d.KH), uint32(d.KW),
		uint32(d.SH), uint32(d.SW), uint32(d.DH), uint32(d.DW), uint32(d.Epilogue),
		d.Weights, d.Bias, uint32(d.MaxInH), uint32(d.MaxInW), uint32(d.Flags), 0}
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], x)
	}
}

// tileDesc is edgek_tile: sixteen little-endian int32 fields; the plugin
// writes ResC, ResH, ResW.
type tileDesc struct {
	In            uint32
	InC, InH, InW int32
	Out           uint32
	OutH, OutW    int32
	OC0, OC1      int32
	ResC, ResH    int32
	ResW          int32
	Reserved      [4]int32
}

func (t *tileDesc) encode(b []byte) {
	v := [16]uint32{t.In, uint32(t.InC), uint32(t.InH), uint32(t.InW), t.Out, uint32(t.OutH), uint32(t.OutW),
		uint32(t.OC0), uint32(t.OC1), 0xffffffff, 0xffffffff, 0xffffffff, 0, 0, 0, 0}
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], x)
	}
}

// decodeResult reads back the result shape the plugin wrote.
func (t *tileDesc) decodeResult(b []byte) {
	t.ResC = int32(binary.LittleEndian.Uint32(b[36:]))
	t.ResH = int32(binary.LittleEndian.Uint32(b[40:]))
	t.ResW = int32(binary.LittleEndian.Uint32(b[44:]))
}

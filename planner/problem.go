package planner

import (
	"fmt"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/planner/costmodel"
)

// Timer predicts how long a node, or a tile's part of it, takes on a
// device, in seconds (a *costmodel.Profile is one).
type Timer interface {
	// Seconds is the whole node n, for w = costmodel.NodeWork(n).
	Seconds(n *graphir.Node, w costmodel.Work) float64
	// SpatialSeconds is the part of n that computes rectangle out of its
	// outputs from rectangles ins of its inputs.
	SpatialSeconds(n *graphir.Node, out graphir.Rect, ins []graphir.Rect) float64
	// ChannelSeconds is the part of n that computes output channels
	// [lo, hi).
	ChannelSeconds(n *graphir.Node, lo, hi int) float64
}

// Device is one device the planner may use.
type Device struct {
	Name  string
	Class string
	Timer Timer
	// Memory is what the device has for weights and activations, in bytes
	// (0: unlimited).
	Memory int64
	// JobOverhead is what the device adds to each of its jobs beyond the
	// Timer's kernels, in seconds (cluster.Class.JobOverhead).
	JobOverhead float64
}

// Link is the cost of one message on a link: a fixed cost per message and
// a cost per byte, in seconds.
type Link struct {
	PerMessage float64
	PerByte    float64
}

// Coordinator is the device index of the coordinator (where graph inputs
// come from and outputs go) in Network.Link.
const Coordinator = -1

// Network is how the devices and the coordinator reach each other.
type Network struct {
	// Shared: one medium (WiFi through an access point) that all
	// transfers take turns on; otherwise every device has a link of its
	// own (a switch), and a transfer waits only for its sender's and
	// receiver's other transfers.
	Shared bool
	// Link returns the link between two devices by index (Coordinator for
	// the coordinator).
	Link func(from, to int) Link
	// RTT is the round trip between the coordinator and a device, in
	// seconds: the coordinator starts every job of a stage with a call
	// whose answer says the job is done, one round trip per stage.
	RTT float64
}

// Cluster is what the planner plans for.
type Cluster struct {
	Devices []Device
	Net     Network
	// HostCores, when positive, says that all devices share that many
	// cores' worth of compute (local worker processes on one machine; a
	// fraction where cores running at once slow each other down, as
	// profile.Parallelism measures): a stage's tiles then take at least
	// the sum of their times over HostCores.
	HostCores float64
}

// Objective is what a plan minimises.
type Objective string

const (
	// Latency is the time of one frame through the pipeline.
	Latency Objective = "latency"
	// Throughput is the time between frames when they are streamed: the
	// bottleneck stage of the pipeline.
	Throughput Objective = "throughput"
)

// Options tune the search.
type Options struct {
	Objective Objective // default Latency
	// MaxOverhead bounds how much a fused block's tiles may recompute:
	// their FLOPs (halos included) over the block's (default 3).
	MaxOverhead float64
	// Strategies limits the stage modes considered (nil: all), for the
	// baselines of `edgectl simulate`.
	Modes []Mode
	// MaxFusedDepth bounds how many segments a fused block spans (0: no
	// bound).
	MaxFusedDepth int
	// MinGain is the least predicted saving, as a fraction of the fastest
	// device's latency alone, for which a latency plan spreads a frame
	// over several devices (0: DefaultMinGain; negative: any saving). A
	// plan predicted 1% faster than one device is within the cost
	// model's error of being slower: measured on the testbed, VGG-16
	// on 2 devices at 10 Mbit/s was predicted 1.3% faster than one
	// device and ran 9% slower.
	MinGain float64
}

// DefaultMinGain is Options.MinGain's default.
const DefaultMinGain = 0.1

// Mode is how a stage runs.
type Mode string

const (
	ModeSingle   Mode = "single"   // one device
	ModeFused    Mode = "fused"    // a fused block cut into a grid of tiles
	ModeRows     Mode = "rows"     // layer by layer, each layer's output split by rows
	ModeChannels Mode = "channels" // layer by layer, each layer's output split by output channels
)

func (c *Cluster) check() error {
	if len(c.Devices) == 0 {
		return fmt.Errorf("plan: the cluster has no devices")
	}
	if len(c.Devices) > 62 {
		return fmt.Errorf("plan: %d devices; at most 62 are supported", len(c.Devices))
	}
	names := map[string]bool{}
	for i, d := range c.Devices {
		if d.Timer == nil {
			return fmt.Errorf("plan: device %d %q has no latency model", i, d.Name)
		}
		if d.Name == "" || names[d.Name] {
			return fmt.Errorf("plan: device %d: name %q is empty or used twice", i, d.Name)
		}
		names[d.Name] = true
	}
	if c.Net.Link == nil {
		return fmt.Errorf("plan: the cluster has no network model")
	}
	return nil
}

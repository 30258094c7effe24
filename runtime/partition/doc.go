// Package partition runs a graphir.Plan exactly: it compiles a plan into
// stages and tiles, tells for every tile which part of which value it needs
// and which part it produces, runs one tile from its input crops, and cuts and
// stitches parts of values. RunLocal executes a whole plan sequentially in this
// process; it is the reference the distributed runtime is tested against.
//
// It imports graphir, runtime and runtime/ref; the worker (runtime/worker)
// imports it.
//
// # Vocabulary
//
// A plan (graphir.Plan, JSON, apiVersion edgectl.dev/v1alpha1, kind Plan) is a
// list of stages in graph order; each stage is a contiguous run of the graph's
// nodes and one of three kinds:
//
//   - fused: every node is spatially local; the stage's output(s) (all of one
//     height and width) are cut into a grid of rectangles (explicit row and
//     column boundaries, so uneven strips sized to device speed are allowed);
//     each rectangle is a tile, traced back through the whole stage: a tile
//     needs a (haloed) rectangle of each stage input and recomputes the halo.
//   - layerwise: one layer (plus trailing channel-local ops) whose output is
//     split by rows (as a fused stage with full columns) or by output channels
//     (Gemm, MatMul, Conv; a tile needs its whole input, or for grouped
//     convolutions the input channels of its groups).
//   - single: one tile on one device, the whole input, the whole output.
//
// A Part names a piece of a value: the value's name and a Box (a half-open
// index range per axis). Tiles exchange Parts; tensors sent between devices
// hold exactly the elements of their Box, row-major.
//
// # What a worker does
//
//	prog, err := partition.Compile(g, plan, partition.Options{})
//	for _, st := range prog.Stages {        // in order
//	    for _, t := range st.Tiles {        // independent of each other
//	        t.Device                        // worker id from the plan
//	        t.In                            // []Part: what it needs, one per stage input
//	        t.Out                           // []Part: what it produces, one per stage output
//	        prog.Sources(t)                 // for each need: which upstream tiles hold which sub-box
//	        out, err := t.Run(ctx, crops)   // crops[name] holds exactly t.In[i].Box of that value
//	    }
//	}
//
// Run takes a map from value name to a tensor holding exactly the Part's box
// (RunParts accepts Held tensors holding any superset, with their box, and
// cuts);
// it returns a map from output value name to a tensor holding exactly the Out
// box. Tile.Run is safe for concurrent use; the executor of a tile (kernels
// chosen by runtime.NewWithOptions, weights packed) is built on first use and
// shared by tiles of the same geometry.
//
// Routing without a coordinator: Program.Sources(t) lists, for each need of
// t, every upstream (stage, tile) whose Out box intersects it and the
// intersection, so the producing worker can cut that box out of its output
// (Cut) and send it straight to t's worker, which stitches the pieces into one
// crop (Assemble / Paste). Graph inputs have Stage == -1.
//
// Tensors: Crop(t, box) copies a box out of a whole value; Cut(src, srcBox,
// want) copies want out of a tensor that holds srcBox of the value; Paste
// writes a part into a larger tensor; Stage.Assemble builds a whole stage
// output from its tiles' outputs.
//
// # Sharing overlap between neighbouring tiles (data reuse)
//
// Neighbouring tiles of a fused stage recompute the same halo. A worker that
// holds several neighbouring tiles can compute the overlap once: when
// UnionRect(tiles...) says they make a rectangle, it asks
// Stage.TileFor(rect, device) for a tile covering that rectangle
// (any rectangle of the stage output is allowed), runs that one tile, and cuts
// each original tile's Out box from the result with Cut. Tile.Regions reports
// the rectangle of every intermediate value a tile computes, so a scheduler can
// measure the overlap (DeepThings-style reuse) before choosing.
//
// # Exactness
//
// A fused tile runs the graph's own node definitions on crops, in a small
// graph of its own executed by runtime.NewWithOptions (so the fastest
// registered kernels run it): every windowed op (Conv, MaxPool, AveragePool)
// is cloned with explicit pads equal to the part of its padding at the true
// image borders (0 at interior halos, where the crop holds the halo), so
// count_include_pad and MaxPool padding act as on the whole image; a ceil_mode
// window past the padded end keeps ceil_mode on the tile (AveragePool with
// count_include_pad) or gets the extra pad (where pads are not counted). Pad
// and Slice are cloned with their indices shifted by the crop's offset (a Pad
// region that reflects or clamps holds the border row, so reflect and edge
// modes act as on the whole image). Resize, whose coordinate transform is
// global, runs an offset-aware kernel written here on graphir.ResizeTaps (the
// reference arithmetic). SpaceToDepth crops are block-aligned; DepthToSpace
// computes whole blocks, then cuts; a YOLOv2 reorg chain (graphir.ReorgAt)
// runs on its crop with reshape targets of the crop's size. Where consumers need less of a value than
// is computed (branches with different halos), a Slice cuts it. Outputs equal
// the single-device run up to float summation order (the tests demand
// max|a-b| <= 1e-5 * max(1, max|a|)).
//
// Channel tiles clone the layer with its weights and bias sliced (grouped
// convolutions keep whole groups), and per-channel parameters of the
// following ops sliced.
package partition

// Package partition is the geometry of a graphir.Plan: it compiles a plan
// into stages and tiles, tells for every tile which part of which value it
// needs and which part it produces (halos traced exactly by graphir's region
// algebra), which upstream tile holds which piece of a need (so message
// sizes per link follow), and cuts and stitches parts of values. Running a
// tile is runtime/tilerun's job; a planner that only needs geometry links
// no kernel.
//
// It imports graphir only; runtime/tilerun, the worker (runtime/worker), the
// coordinator and the planner import it.
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
//	prog, err := partition.Compile(g, plan)
//	run := tilerun.New(prog, tilerun.Options{})
//	for _, st := range prog.Stages {        // in order
//	    for _, t := range st.Tiles {        // independent of each other
//	        t.Device                        // worker id from the plan
//	        t.In                            // []Part: what it needs, one per stage input
//	        t.Out                           // []Part: what it produces, one per stage output
//	        prog.Sources(t)                 // for each need: which upstream tiles hold which sub-box
//	        out, err := run.Run(ctx, t, crops) // crops[name] holds exactly t.In[i].Box of that value
//	    }
//	}
//
// tilerun.Runner.Run takes a map from value name to a tensor holding exactly
// the Part's box and returns a map from output value name to a tensor
// holding exactly the Out box.
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
package partition

// Package graphir is edgectl's vocabulary: tensors, shapes, the op enum, typed
// attributes, the graph of nodes and values, per-op shape inference and cost,
// the region algebra of partitioning, and the Plan type.
//
// It imports nothing else of edgectl; every other package imports it. The
// importer builds a Graph, calls InferNode once per node in topological order
// (which also normalises attributes, e.g. auto_pad into explicit pads and
// constant axes inputs into attributes; running it again on a normalised node
// gives the same result), and kernels then trust the checked IR.
//
// Partitioning: TraceRegion maps the output rectangle of a spatial node to
// the input rectangles it needs, telling true image borders (the op's own
// padding) from interior halos; TraceBlock does it for a whole fused block;
// SpatialLocal says why a node ends a block. A Plan (apiVersion
// edgectl.dev/v1alpha1, kind Plan, decoded strictly by DecodePlan) lists the
// stages — fused, layerwise or single — with their splits and devices;
// package planner makes them, runtime/partition compiles them into tiles and
// runtime/tilerun runs them.
package graphir

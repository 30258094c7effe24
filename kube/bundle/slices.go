package bundle

import (
	"sort"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/partition"
)

// channelSlices finds the constants that every device reading them reads only a
// slice of (channel tiles), with the byte runs of each device's slice:
// constant -> device -> runs. A constant whose slices do not cover all of
// it stays whole in its stage's blob, so that the blobs of all devices
// still make the whole model. names lists the plan's devices in order.
func channelSlices(prog *partition.Program, values []edgeirValue, owner map[string]int, uses [][]string) ([]string, map[string]map[string][][2]int64) {
	var names []string
	tiles := map[string][]*partition.Tile{}
	readers := map[string]map[string]bool{} // constant -> devices
	for _, st := range prog.Stages {
		for _, t := range st.Tiles {
			if tiles[t.Device] == nil {
				names = append(names, t.Device)
			}
			tiles[t.Device] = append(tiles[t.Device], t)
			for _, c := range uses[st.Index] {
				if readers[c] == nil {
					readers[c] = map[string]bool{}
				}
				readers[c][t.Device] = true
			}
		}
	}
	partial := map[string]map[string][]partition.Box{}
	for d, ts := range tiles {
		partial[d] = partition.PartialConsts(ts)
	}
	out := map[string]map[string][][2]int64{}
	for _, v := range values {
		if !v.Const || owner[v.Name] < 0 || v.DType != "float32" || len(readers[v.Name]) == 0 {
			continue
		}
		shape := graphir.Shape(v.Shape)
		per := map[string][][2]int64{}
		var all [][2]int64
		for d := range readers[v.Name] {
			boxes := partial[d][v.Name]
			if boxes == nil {
				per = nil
				break
			}
			per[d] = partition.ByteRuns(shape, boxes, 4) // float32
			all = append(all, per[d]...)
		}
		if per != nil && covers(all, v.Bytes) {
			out[v.Name] = per
		}
	}
	return names, out
}

// covers says whether runs together cover [0, n).
func covers(runs [][2]int64, n int64) bool {
	sorted := append([][2]int64(nil), runs...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i][0] < sorted[j][0] })
	var at int64
	for _, r := range sorted {
		if r[0] > at {
			return false
		}
		at = max(at, r[1])
	}
	return at >= n
}

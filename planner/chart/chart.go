package chart

import (
	"encoding/csv"
	"fmt"
	"image/color"
	"io"
	"sort"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Point is one predicted or measured point: a strategy on some devices and
// a network.
type Point struct {
	Model    string
	Devices  int
	Network  string
	Strategy string
	// Predicted and Measured are single-frame latencies in milliseconds
	// (Measured 0: not measured); Speedup is against one device.
	Predicted, Measured float64
	Speedup             float64
	// Extra holds more columns, in Header's order after the fixed ones.
	Extra []string
}

// WriteCSV writes points with the columns
// model,devices,network,strategy,predicted_ms[,measured_ms],speedup and
// then extra's.
func WriteCSV(w io.Writer, pts []Point, measured bool, extra ...string) error {
	cw := csv.NewWriter(w)
	head := []string{"model", "devices", "network", "strategy", "predicted_ms"}
	if measured {
		head = append(head, "measured_ms")
	}
	head = append(append(head, "speedup"), extra...)
	if err := cw.Write(head); err != nil {
		return err
	}
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', 3, 64) }
	for _, p := range pts {
		row := []string{p.Model, strconv.Itoa(p.Devices), p.Network, p.Strategy, f(p.Predicted)}
		if measured {
			row = append(row, f(p.Measured))
		}
		row = append(append(row, f(p.Speedup)), p.Extra...)
		if len(row) != len(head) {
			return fmt.Errorf("chart: point %s %d %s %s has %d columns, want %d", p.Model, p.Devices, p.Network, p.Strategy, len(row), len(head))
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// colors of the strategies, in first-seen order.
var colors = []color.RGBA{{0x1f, 0x77, 0xb4, 0xff}, {0xff, 0x7f, 0x0e, 0xff}, {0x2c, 0xa0, 0x2c, 0xff}, {0xd6, 0x27, 0x28, 0xff}, {0x94, 0x67, 0xbd, 0xff}}

// WritePNG draws speed-up against devices, one panel per network (in the
// order first seen), one line per strategy, titled title.
func WritePNG(w io.Writer, title string, pts []Point) error {
	var nets, strats []string
	seen := map[string]bool{}
	for _, p := range pts {
		if !seen["n"+p.Network] {
			seen["n"+p.Network] = true
			nets = append(nets, p.Network)
		}
		if !seen["s"+p.Strategy] {
			seen["s"+p.Strategy] = true
			strats = append(strats, p.Strategy)
		}
	}
	if len(nets) == 0 {
		return fmt.Errorf("chart: no points to draw")
	}
	ymax := 1.0
	for _, p := range pts {
		ymax = max(ymax, p.Speedup)
	}
	plots := make([][]*plot.Plot, 1)
	for _, n := range nets {
		pl := plot.New()
		pl.Title.Text = fmt.Sprintf("%s, %s", title, n)
		pl.X.Label.Text = "devices"
		pl.Y.Label.Text = "speed-up vs one device"
		pl.Y.Min, pl.Y.Max = 0, ymax*1.1
		pl.Add(plotter.NewGrid())
		for si, s := range strats {
			var xy plotter.XYs
			for _, p := range pts {
				if p.Network == n && p.Strategy == s {
					xy = append(xy, plotter.XY{X: float64(p.Devices), Y: p.Speedup})
				}
			}
			sort.Slice(xy, func(a, b int) bool { return xy[a].X < xy[b].X })
			if len(xy) == 0 {
				continue
			}
			line, marks, err := plotter.NewLinePoints(xy)
			if err != nil {
				return err
			}
			c := colors[si%len(colors)]
			line.Color, marks.Color = c, c
			marks.Shape = draw.CircleGlyph{}
			pl.Add(line, marks)
			pl.Legend.Add(s, line, marks)
		}
		pl.Legend.Top, pl.Legend.Left = true, true
		plots[0] = append(plots[0], pl)
	}
	width := vg.Length(len(nets)) * 4.5 * vg.Inch
	img := vgimg.New(width, 4*vg.Inch)
	dc := draw.New(img)
	t := draw.Tiles{Rows: 1, Cols: len(nets), PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 4,
		PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
	canvases := plot.Align(plots, t, dc)
	for j, pl := range plots[0] {
		pl.Draw(canvases[0][j])
	}
	_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
	return err
}

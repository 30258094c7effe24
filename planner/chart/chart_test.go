package chart

import (
	"bytes"
	"image/png"
	"strings"
	"testing"
)

func points() []Point {
	var pts []Point
	for _, n := range []string{"10mbit", "100mbit"} {
		for d := 1; d <= 4; d++ {
			for _, s := range []string{"ours", "single"} {
				sp := 1.0
				if s == "ours" {
					sp = float64(d) * 0.8
				}
				pts = append(pts, Point{Model: "m", Devices: d, Network: n, Strategy: s, Predicted: 100 / sp, Speedup: sp})
			}
		}
	}
	return pts
}

func TestWritePNG(t *testing.T) {
	var b bytes.Buffer
	if err := WritePNG(&b, "m", points()); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&b)
	if err != nil {
		t.Fatal(err)
	}
	if w := img.Bounds().Dx(); w < 500 {
		t.Errorf("image %d wide", w)
	}
	if err := WritePNG(&b, "m", nil); err == nil {
		t.Error("no error for no points")
	}
}

func TestWriteCSV(t *testing.T) {
	var b bytes.Buffer
	if err := WriteCSV(&b, points()[:2], false); err != nil {
		t.Fatal(err)
	}
	want := "model,devices,network,strategy,predicted_ms,speedup\nm,1,10mbit,ours,125.000,0.800\nm,1,10mbit,single,100.000,1.000\n"
	if b.String() != want {
		t.Errorf("got\n%s", b.String())
	}
	b.Reset()
	pts := points()[:1]
	pts[0].Measured, pts[0].Extra = 120, []string{"7"}
	if err := WriteCSV(&b, pts, true, "bytes"); err != nil || !strings.HasPrefix(b.String(), "model,devices,network,strategy,predicted_ms,measured_ms,speedup,bytes\n") {
		t.Errorf("%v\n%s", err, b.String())
	}
}

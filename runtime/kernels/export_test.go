package kernels

// Hooks for the tests and benchmarks of package kernels_test: compare
// Winograd settings in one run, force many small Winograd blocks.
var WinoBandCols = &winoBandCols

// DW3MinWidth is the narrowest plane the planar 3x3 depthwise path takes.
var DW3MinWidth = &dw3MinWidth

// WinoMin returns the Winograd thresholds (channels, rows) of the map-based
// (fused false) or fused transforms.
func WinoMin(fused bool) (channels, rows *int) {
	l := &winoLimits[0]
	if fused {
		l = &winoLimits[1]
	}
	return &l.channels, &l.rows
}

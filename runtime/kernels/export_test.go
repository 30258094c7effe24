package kernels

// Hooks for the tests and benchmarks of package kernels_test: compare
// Winograd settings in one run, force many small Winograd blocks.
var WinoBandCols = &winoBandCols

// WinoMin returns the Winograd thresholds (channels, rows) of the map-based
// (fused false) or fused transforms.
func WinoMin(fused bool) (channels, rows *int) {
	l := &winoLimits[0]
	if fused {
		l = &winoLimits[1]
	}
	return &l.channels, &l.rows
}

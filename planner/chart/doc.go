// Package chart draws and tabulates what `edgectl simulate` and `edgectl
// testbed bench` measure or predict: speed-up against one device per number
// of devices, one panel per network, one line per strategy (the shape of
// the published figures), as PNG with gonum/plot, and as CSV.
//
// It imports gonum/plot only.
package chart

package kernels

// WinoMinChannels lets benchmarks compare Winograd on and off in one run.
var WinoMinChannels = &winoMinChannels

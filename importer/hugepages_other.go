//go:build !linux

package importer

// adviseHugePages does nothing off Linux.
func adviseHugePages([]byte) {}

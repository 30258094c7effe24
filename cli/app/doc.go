// Package app is edgectl's command line: one file per command, each a flags
// struct read from the parsed command and a call into a library package.
// Run is what main calls and what tests call with captured streams.
package app

// Command hello is a tiny main package the compile tests cross-build
// instead of edgectl.
package main

import "os"

func main() { os.Stdout.WriteString("hello\n") }

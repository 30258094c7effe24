module github.com/edgectl/edgectl

go 1.26.8

require (
	github.com/urfave/cli/v3 v3.14.0 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)

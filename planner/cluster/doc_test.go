package cluster_test

import (
	"fmt"

	"github.com/edgectl/edgectl/planner/cluster"
)

func ExampleDecode() {
	c, err := cluster.Decode("cluster.yaml", []byte(`apiVersion: edgectl.dev/v1alpha1
kind: Cluster
classes:
  - name: pi4
    speed: 0.4
devices:
  - name: pi-a
    class: pi4
    address: 10.0.0.11:7070
  - name: pi-b
    class: pi4
    address: 10.0.0.12:7070
network:
  bandwidth: 50mbit
  rtt: 3ms
  perMessage: 4ms
  links:
    - from: pi-b
      to: coordinator
      bandwidth: 10mbit
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	bw, rtt, pm := c.LinkBetween("pi-a", "pi-b")
	fmt.Println(bw, rtt, pm)
	bw, _, _ = c.LinkBetween(cluster.Coordinator, "pi-b")
	fmt.Println(bw)
	// Output:
	// 5e+07 3ms 4ms
	// 1e+07
}

func ExampleDecode_problems() {
	_, err := cluster.Decode("cluster.yaml", []byte(`apiVersion: edgectl.dev/v1alpha1
kind: Cluster
classes:
  - name: pi4
devices:
  - name: pi-a
    class: pi5
network:
  bandwidth: 50mbps
`))
	fmt.Println(err)
	// Output:
	// cluster.yaml: 3 problems
	// cluster.yaml:6: device "pi-a" has neither an address (host:port of its worker) nor a nodeSelector
	// cluster.yaml:7: device "pi-a": class "pi5" is not defined (classes: pi4)
	// cluster.yaml:9: network.bandwidth: "50mbps": tc reads mbps as bytes per second: write bits per second, 50mbit for megabits or 400mbit for bytes
}

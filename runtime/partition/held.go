package partition

import "github.com/edgectl/edgectl/graphir"

// Held is a tensor holding box Box of a value.
type Held struct {
	Box    Box
	Tensor *graphir.Tensor
}

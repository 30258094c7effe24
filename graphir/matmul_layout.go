package graphir

// MatMulLayout is the geometry of numpy matmul of shapes a and b: 1-D
// operands promoted to matrices, batch axes broadcast. Batch i of the output
// (an M x N matrix at element offset i*M*N) multiplies the M x K matrix of A
// at AOff[i] by the K x N matrix of B at BOff[i].
type MatMulLayout struct {
	M, K, N    int
	AOff, BOff []int
}

// NewMatMulLayout computes the layout; it fails when the batch axes do not
// broadcast.
func NewMatMulLayout(a, b Shape) (MatMulLayout, error) {
	if len(a) == 1 {
		a = Shape{1, a[0]}
	}
	if len(b) == 1 {
		b = Shape{b[0], 1}
	}
	l := MatMulLayout{M: a[len(a)-2], K: a[len(a)-1], N: b[len(b)-1]}
	aBatch, bBatch := a[:len(a)-2], b[:len(b)-2]
	batch, err := Broadcast(aBatch, bBatch)
	if err != nil {
		return l, err
	}
	aStride, bStride := BroadcastStrides(aBatch, batch), BroadcastStrides(bBatch, batch)
	idx := make([]int, len(batch))
	for range batch.Size() {
		aOff, bOff := 0, 0
		for d := range idx {
			aOff += idx[d] * aStride[d]
			bOff += idx[d] * bStride[d]
		}
		l.AOff = append(l.AOff, aOff*l.M*l.K)
		l.BOff = append(l.BOff, bOff*l.K*l.N)
		for d := len(idx) - 1; d >= 0; d-- { // advance the row-major batch index
			idx[d]++
			if idx[d] < batch[d] {
				break
			}
			idx[d] = 0
		}
	}
	return l, nil
}

// BroadcastStrides returns, for each axis of the broadcast shape out, the
// element stride of s along it (0 where s is broadcast), in units of s's own
// elements. s is right-aligned with out.
func BroadcastStrides(s, out Shape) []int {
	st := make([]int, len(out))
	own := s.Strides()
	off := len(out) - len(s)
	for i := range s {
		if s[i] != 1 {
			st[off+i] = own[i]
		}
	}
	return st
}

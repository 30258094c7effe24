package simd

// WinoInSlack is how many floats past a tile row's last input row WinoIn
// may read (whole 16-tile blocks).
const WinoInSlack = 32

// WinoInGo is the plain reference of Ops.WinoIn, adding and subtracting
// in the order the assembly does (and the map-based transform of
// runtime/kernels did).
func WinoInGo(v []float32, vstride int, src []float32, wp, tw int) {
	checkWinoIn(v, vstride, src, wp, tw)
	for t := 0; t < tw; t++ {
		var r [4][4]float32
		for i := 0; i < 4; i++ {
			d := src[i*wp+2*t:]
			r[i] = [4]float32{d[0] - d[2], d[1] + d[2], d[2] - d[1], d[1] - d[3]}
		}
		for nu := 0; nu < 4; nu++ {
			v[(0+nu)*vstride+t] = r[0][nu] - r[2][nu]
			v[(4+nu)*vstride+t] = r[1][nu] + r[2][nu]
			v[(8+nu)*vstride+t] = r[2][nu] - r[1][nu]
			v[(12+nu)*vstride+t] = r[1][nu] - r[3][nu]
		}
	}
}

// WinoOutGo is the plain reference of Ops.WinoOut.
func WinoOutGo(y []float32, ow, rows int, m []float32, mstride, tw int, bias, lo, hi float32) {
	checkWinoOut(y, ow, rows, m, mstride, tw)
	for t := 0; t < tw; t++ {
		var s [2][4]float32 // s[j][xi]: even (j = 0) and odd output columns
		for xi := 0; xi < 4; xi++ {
			q := m[4*xi*mstride+t:]
			m0, m1, m2, m3 := q[0], q[mstride], q[2*mstride], q[3*mstride]
			s[0][xi] = m0 + m1 + m2
			s[1][xi] = m1 - m2 - m3
		}
		for j := 0; j < 2; j++ {
			out := [2]float32{s[j][0] + s[j][1] + s[j][2], s[j][1] - s[j][3] - s[j][2]}
			for r := 0; r < rows; r++ {
				if c := 2*t + j; c < ow {
					y[r*ow+c] = clamp(out[r]+bias, lo, hi)
				}
			}
		}
	}
}

// clamp is min(max(x, lo), hi) with NaN staying NaN.
func clamp(x, lo, hi float32) float32 {
	if x < lo {
		return lo
	}
	if x > hi {
		return hi
	}
	return x
}

func checkWinoIn(v []float32, vstride int, src []float32, wp, tw int) {
	if tw < 1 || wp < 2*tw+2 || vstride < tw || len(v) < 15*vstride+tw || len(src) < 3*wp+2*tw+2+WinoInSlack {
		panic("simd: bad winograd input transform arguments")
	}
}

func checkWinoOut(y []float32, ow, rows int, m []float32, mstride, tw int) {
	if tw < 1 || (ow != 2*tw && ow != 2*tw-1) || rows < 1 || rows > 2 || mstride < tw || len(m) < 15*mstride+tw || len(y) < rows*ow {
		panic("simd: bad winograd output transform arguments")
	}
}

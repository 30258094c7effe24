package coord

import (
	"fmt"
	"io"
	"math"
	"text/tabwriter"
)

// FormatProbe prints one row per measured link: its ends, bandwidth
// (Mbit/s), per-message cost, round trip, the fit's R² and the number of
// timed messages; a link that failed shows its error.
func FormatProbe(w io.Writer, rs []LinkResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "from\tto\tMbit/s\tper message\trtt\tr²\tmessages")
	for _, r := range rs {
		if r.Err != nil && r.BitsPerSec == 0 {
			fmt.Fprintf(tw, "%s\t%s\terror: %v\n", r.From.Name, r.To.Name, r.Err)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%.4f\t%d\n", r.From.Name, r.To.Name, digits4(r.BitsPerSec/1e6),
			round(r.PerMessage), round(r.RTT), r.R2, len(r.Samples))
		if r.Err != nil {
			fmt.Fprintf(tw, "\t\terror: %v\n", r.Err)
		}
	}
	tw.Flush()
}

// digits4 writes v with 4 significant digits and no exponent.
func digits4(v float64) string {
	if v <= 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return fmt.Sprint(v)
	}
	return fmt.Sprintf("%.*f", max(0, 3-int(math.Floor(math.Log10(v)))), v)
}

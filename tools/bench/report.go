package bench

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"
)

// Format writes the report: a header (model, threads, engine settings,
// kernels, FMA peak, runs, other processes' CPU use), one row per item, for
// layers a summary line, with an engine the ratio of the min times, and as
// its last line either
//
//	speed vs ENGINE: R
//
// (R = the engine's median time over ours for Items[0], two decimals; higher
// is better for edgectl) or, without an engine,
//
//	ours: T ms median, G GFLOP/s, P% of peak
func (r *Result) Format(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "model    %s\n", r.Model)
	fmt.Fprintf(&b, "threads  %d\n", r.Threads)
	if r.CPU != "" {
		fmt.Fprintf(&b, "cpu      %s\n", r.CPU)
	}
	if r.Tier != "" {
		fmt.Fprintf(&b, "tier     %s kernels\n", r.Tier)
	}
	if r.Engine != "" {
		fmt.Fprintf(&b, "engine   %s\n", r.EngineInfo)
	}
	if r.Kernels != "" {
		fmt.Fprintf(&b, "kernels  %s\n", r.Kernels)
	}
	fmt.Fprintf(&b, "peak     %s\n", r.Peak)
	fmt.Fprintf(&b, "runs     %s\n", r.runs())
	if r.Others >= 0 {
		fmt.Fprintf(&b, "others   other processes kept %.0f%% of the CPUs busy meanwhile", 100*r.Others)
		if r.Others > 0.1 {
			b.WriteString(": the times are unreliable, run again on a quiet machine")
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")

	// Names left-aligned (padded to one width), numbers right-aligned.
	names := make([]string, len(r.Items))
	width := len("graph")
	for i, it := range r.Items {
		names[i] = it.Name
		if it.Kind != "conv" {
			names[i] += " (" + it.Kind + ")"
		}
		width = max(width, len(names[i]))
	}
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%-*s", width, "graph")
	if r.Engine != "" {
		fmt.Fprintf(tw, "\tGFLOPs\truns\tours ms\tmin\t%[1]s ms\tmin\tours GFLOP/s\t%[1]s GFLOP/s\tours %%peak\t%[1]s %%peak\tmax err\tspeed vs %[1]s\t\n", r.Engine)
	} else {
		io.WriteString(tw, "\tGFLOPs\truns\tours ms\tmin\tours GFLOP/s\tours %peak\t\n")
	}
	for i, it := range r.Items {
		name := fmt.Sprintf("%-*s", width, names[i])
		og := GFLOPS(it.FLOPs, it.Ours.Median)
		if r.Engine != "" {
			tg := GFLOPS(it.FLOPs, it.Theirs.Median)
			fmt.Fprintf(tw, "%s\t%.3f\t%d\t%s\t%s\t%s\t%s\t%.1f\t%.1f\t%s\t%s\t%s\t%.2f\t\n", name, float64(it.FLOPs)/1e9, it.Ours.N,
				ms(it.Ours.Median), ms(it.Ours.Min), ms(it.Theirs.Median), ms(it.Theirs.Min), og, tg,
				r.pct(og), r.pct(tg), errString(it.MaxErr), it.Ratio())
		} else {
			fmt.Fprintf(tw, "%s\t%.3f\t%d\t%s\t%s\t%.1f\t%s\t\n", name, float64(it.FLOPs)/1e9, it.Ours.N,
				ms(it.Ours.Median), ms(it.Ours.Min), og, r.pct(og))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if line := r.layersLine(); line != "" {
		b.WriteString(line + "\n")
	}
	if r.Profile != nil {
		b.WriteString("\n")
		if err := r.Profile.Format(&b, 12); err != nil {
			return err
		}
		b.WriteString("\n")
	}
	if len(r.Items) > 0 {
		head := r.Items[0]
		if r.Engine != "" {
			// The ratio of the fastest runs is less sensitive to other
			// processes than the medians' ratio, the headline.
			fmt.Fprintf(&b, "from the min times: speed vs %s %.2f\n", r.Engine, float64(head.Theirs.Min)/float64(max(head.Ours.Min, 1)))
			fmt.Fprintf(&b, "speed vs %s: %.2f\n", r.Engine, head.Ratio())
		} else {
			og := GFLOPS(head.FLOPs, head.Ours.Median)
			fmt.Fprintf(&b, "ours: %s ms median, %.1f GFLOP/s, %s of peak\n", ms(head.Ours.Median), og, r.pct(og))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (r *Result) runs() string {
	p := r.Plan
	order := "ours"
	if r.Engine != "" {
		order = "alternating ours, " + r.Engine
	}
	count := fmt.Sprintf("%d", p.Runs)
	if p.Runs <= 0 {
		count = fmt.Sprintf("auto (%d-%d within %v per row)", max(p.MinRuns, 1), p.MaxRuns, p.Budget)
	}
	s := fmt.Sprintf("%d warm-up + %s timed rounds, %s; times are the median and min of each side", p.Warmup, count, order)
	var turn []string
	if p.Settle > 0 {
		turn = append(turn, fmt.Sprintf("%v busy settle", p.Settle))
	}
	if p.Lead > 0 {
		turn = append(turn, fmt.Sprintf("%d untimed run(s)", p.Lead))
	}
	if len(turn) > 0 {
		s += "\n         each turn: " + strings.Join(turn, ", ") + ", then the timed run"
	}
	return s
}

// pct is g as a percentage of the measured peak.
func (r *Result) pct(g float64) string {
	if r.Peak.GFLOPS <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", 100*g/r.Peak.GFLOPS)
}

// layersLine sums the Conv layers timed alone and names the slowest one
// relative to the engine.
func (r *Result) layersLine() string {
	var ours, theirs time.Duration
	n, worst, worstName := 0, math.Inf(1), ""
	for _, it := range r.Items {
		if it.Kind != "conv" {
			continue
		}
		n++
		ours += it.Ours.Median
		theirs += it.Theirs.Median
		if q := it.Ratio(); r.Engine != "" && q < worst {
			worst, worstName = q, it.Name
		}
	}
	if n == 0 {
		return ""
	}
	if r.Engine == "" {
		return fmt.Sprintf("%d convs alone: sum of medians %s ms", n, ms(ours))
	}
	return fmt.Sprintf("%d convs alone: sum of medians ours %s ms, %s %s ms, speed vs %s %.2f; lowest %.2f (%s)",
		n, ms(ours), r.Engine, ms(theirs), r.Engine, float64(theirs)/float64(max(ours, 1)), worst, worstName)
}

func ms(d time.Duration) string {
	v := d.Seconds() * 1e3
	switch {
	case v >= 100:
		return fmt.Sprintf("%.1f", v)
	case v >= 1:
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.3f", v)
}

func errString(e float64) string {
	if e < 0 {
		return "size!"
	}
	return fmt.Sprintf("%.1e", e)
}

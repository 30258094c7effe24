package bundle

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Describe prints what the bundle holds: its digest and signatures, every
// file with its role, size and sha256, and each device with its class,
// stages and the weight bytes it reads.
func (b *Bundle) Describe(w io.Writer) error {
	m := b.Meta
	fmt.Fprintf(w, "bundle %s: %s\n", m.Name, b.Path)
	if !b.dir {
		fmt.Fprintf(w, "digest %s (%d platforms)\n", b.Digest(), len(b.images))
		sigs := b.Signatures()
		if len(sigs) == 0 {
			sigs = []string{"none"}
		}
		fmt.Fprintf(w, "signatures: %s\n", strings.Join(sigs, ", "))
	}
	fmt.Fprintf(w, "model %s: %d bytes, sha256 %s\n", m.Model.Name, m.Model.Size, m.Model.SHA256)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FILE\tROLE\tBYTES\tSHA256")
	for _, f := range m.Files {
		role := f.Role
		if f.Class != "" {
			role += " (" + f.Class + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", f.Path, role, f.Size, f.SHA256[:16])
	}
	tw.Flush()
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DEVICE\tCLASS\tSTAGES\tWEIGHT BYTES\tOF")
	for _, d := range m.Devices {
		var n int64
		for _, p := range d.Weights {
			f, _ := m.File(p)
			n += f.Size
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\n", d.Name, d.Class, strings.Join(d.Stages, ","), n, m.Model.Size-m.Model.WeightsStart)
	}
	return tw.Flush()
}

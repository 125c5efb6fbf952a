package similarity

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// Figure 2's question is whether NeuRN models' first-layer kernels are closer to the cortex's
// neural representations (lower RMSE) than the same architectures' without NeuRN (paper,
// Fig. 2A and "Results"). The verdict counts, per architecture and level of grouping, the
// groups where the difference is beyond noise in the paper's direction, in the other, or
// within noise.

// VerdictAlpha is the Holm-adjusted p-value below which a NeuRN vs base difference counts as
// beyond noise.
const VerdictAlpha = 0.05

// VerdictRow counts the groups of one architecture (or [All] architectures' comparisons) at one
// level: Closer where NeuRN's mean RMSE is lower with Holm-adjusted p < [VerdictAlpha], Farther
// where it is higher with such p, Noise otherwise.
type VerdictRow struct {
	Architecture, Level    string
	Closer, Farther, Noise int
}

// Verdict counts the table's NeuRN vs base comparisons by architecture and level (area, Cre
// line, area x Cre line: the groups of Figures 2A and 2B; the pooled and per-class levels are
// one or two groups each and are left to the comparisons table), architectures in the table's
// order with [All] (the mean over architectures) last.
func (t *Table) Verdict() []VerdictRow {
	var out []VerdictRow
	index := map[[2]string]int{}
	for _, c := range t.Comparisons {
		if !slices.Contains([]string{LevelArea, LevelCre, LevelAreaCre}, c.Level) {
			continue
		}
		k := [2]string{c.Architecture, c.Level}
		i, ok := index[k]
		if !ok {
			i = len(out)
			index[k] = i
			out = append(out, VerdictRow{Architecture: c.Architecture, Level: c.Level})
		}
		switch {
		case c.PHolm < VerdictAlpha && c.MeanDiff < 0:
			out[i].Closer++
		case c.PHolm < VerdictAlpha && c.MeanDiff > 0:
			out[i].Farther++
		default:
			out[i].Noise++
		}
	}
	slices.SortStableFunc(out, func(a, b VerdictRow) int {
		if (a.Architecture == All) != (b.Architecture == All) {
			if a.Architecture == All {
				return 1
			}
			return -1
		}
		return 0
	})
	return out
}

// WriteVerdictCSV writes [Table.Verdict] as CSV with a header.
func (t *Table) WriteVerdictCSV(w io.Writer) error {
	var b strings.Builder
	b.WriteString("architecture,level,neurn_closer,neurn_farther,within_noise\n")
	for _, r := range t.Verdict() {
		fmt.Fprintf(&b, "%s,%s,%d,%d,%d\n", r.Architecture, r.Level, r.Closer, r.Farther, r.Noise)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// VerdictMarkdown renders [Table.Verdict] as a Markdown table with its rule.
func (t *Table) VerdictMarkdown() string {
	var b strings.Builder
	b.WriteString("| Architecture | level | NeuRN closer | NeuRN farther | within noise |\n|---|---|---|---|---|\n")
	for _, r := range t.Verdict() {
		fmt.Fprintf(&b, "| %s | %s | %d | %d | %d |\n", r.Architecture, r.Level, r.Closer, r.Farther, r.Noise)
	}
	fmt.Fprintf(&b, "\nEach group (an area, a Cre line, or an area x Cre line) is one comparison of mean RMSE with NeuRN against without, "+
		"over the same cells: \"closer\" (the paper's claim) where NeuRN's is lower and the paired permutation test's Holm-adjusted p "+
		"(per architecture and level) is below %g, \"farther\" where it is higher with such p, \"within noise\" otherwise.\n", VerdictAlpha)
	return b.String()
}

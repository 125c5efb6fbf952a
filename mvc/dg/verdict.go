package dg

import (
	"fmt"
	"html"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/gonum/stat/distuv"
)

// Diff is the difference of two table cells' means with its 95% interval.
type Diff struct {
	// Mean is mean(a) - mean(b) in accuracy points.
	Mean float64
	// Low and High bound the 95% Welch t interval (both cells need two values or more); equal to
	// Mean when both cells have no spread; NaN when a cell has fewer than two values.
	Low, High float64
}

// WelchDiff returns mean(a) - mean(b) with its 95% Welch t interval over the values (seeds).
func WelchDiff(a, b Stat) Diff {
	d := Diff{Mean: a.Mean - b.Mean, Low: math.NaN(), High: math.NaN()}
	if a.N < 2 || b.N < 2 {
		return d
	}
	va, vb := a.Std*a.Std/float64(a.N), b.Std*b.Std/float64(b.N)
	se := math.Sqrt(va + vb)
	if se == 0 {
		d.Low, d.High = d.Mean, d.Mean
		return d
	}
	df := (va + vb) * (va + vb) / (va*va/float64(a.N-1) + vb*vb/float64(b.N-1))
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Quantile(0.975)
	d.Low, d.High = d.Mean-t*se, d.Mean+t*se
	return d
}

// Agreement classifies one Table 1 cell: does our +NeuRN minus bare difference have the paper's
// sign, beyond the seeds' spread?
type Agreement int

const (
	// Agrees: the 95% Welch interval of our difference excludes zero, on the paper's side.
	Agrees Agreement = iota
	// Opposes: the interval excludes zero, on the other side.
	Opposes
	// WithinNoise: the interval includes zero (or the paper's two numbers are equal).
	WithinNoise
	// Untestable: a cell has fewer than two seeds (no interval) or is missing.
	Untestable
)

// String names the class as the verdict tables' columns do.
func (a Agreement) String() string {
	return [...]string{"paper's sign", "opposite sign", "within noise", "not testable"}[a]
}

// Classify compares our difference d (+NeuRN minus bare, with its interval) with the paper's
// difference paperDiff.
func Classify(d Diff, paperDiff float64) Agreement {
	switch {
	case math.IsNaN(d.Low) || math.IsNaN(d.High) || math.IsNaN(paperDiff):
		return Untestable
	case d.Low <= 0 && d.High >= 0, paperDiff == 0:
		return WithinNoise
	case (d.Low > 0) == (paperDiff > 0):
		return Agrees
	}
	return Opposes
}

// VerdictRow counts one architecture's cells (or all of them) by [Agreement]; Bold* count the
// same among the cells the paper bolds (+NeuRN above the bare model).
type VerdictRow struct {
	Label             string
	Counts, BoldCount [4]int
}

// Verdict is the comparison of our Table 1 with the paper's, cell by cell: for every
// architecture with a bare and a +NeuRN row in both, and every transfer, whether our +NeuRN
// minus bare difference has the paper's sign beyond the seeds' spread ([Classify]).
type Verdict struct {
	// Rows has one row per architecture, in Table 1's order, then "All".
	Rows []VerdictRow
	// Seeds is the least number of seeds behind a compared cell.
	Seeds int
}

// Table1Verdict compares ours (a [BuildTable1] table) with paper ([PaperTable1]).
func Table1Verdict(ours, paper *Table) *Verdict {
	v := &Verdict{Seeds: math.MaxInt}
	all := VerdictRow{Label: "All"}
	for _, pm := range Table1Models {
		ob, on := ours.rowOf(pm.Name, ""), ours.rowOf(pm.Name, "+NeuRN")
		pb, pn := paper.rowOf(pm.Name, ""), paper.rowOf(pm.Name, "+NeuRN")
		if ob == nil || on == nil || pb == nil || pn == nil {
			continue
		}
		row := VerdictRow{Label: pm.Paper}
		for j := range Table1Columns {
			a, b := on.Cells[j], ob.Cells[j]
			if a.N > 0 && b.N > 0 {
				v.Seeds = min(v.Seeds, a.N, b.N)
			}
			paperDiff := pn.Cells[j].Mean - pb.Cells[j].Mean
			c := Untestable
			if a.N > 0 && b.N > 0 {
				c = Classify(WelchDiff(a, b), paperDiff)
			}
			row.Counts[c]++
			all.Counts[c]++
			if paperDiff > 0 {
				row.BoldCount[c]++
				all.BoldCount[c]++
			}
		}
		v.Rows = append(v.Rows, row)
	}
	if v.Seeds == math.MaxInt {
		v.Seeds = 0
	}
	v.Rows = append(v.Rows, all)
	return v
}

// rowOf returns the row of a model and variant, or nil.
func (t *Table) rowOf(model, variant string) *Row {
	i := slices.IndexFunc(t.Rows, func(r Row) bool { return r.Model == model && r.Variant == variant })
	if i < 0 {
		return nil
	}
	return &t.Rows[i]
}

// Markdown renders the verdict as a Markdown table with a note on the rule.
func (v *Verdict) Markdown() string {
	var b strings.Builder
	b.WriteString("| Model | paper's sign | opposite sign | within noise | not testable | of the paper's bold cells: paper's sign / opposite / noise / untestable |\n")
	b.WriteString("|---|---|---|---|---|---|\n")
	for _, r := range v.Rows {
		label := r.Label
		if label == "All" {
			label = "**All**"
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %d / %d / %d / %d |\n", label, r.Counts[Agrees], r.Counts[Opposes],
			r.Counts[WithinNoise], r.Counts[Untestable], r.BoldCount[Agrees], r.BoldCount[Opposes], r.BoldCount[WithinNoise], r.BoldCount[Untestable])
	}
	b.WriteString("\n" + v.Rule() + "\n")
	return b.String()
}

// CSV renders the verdict as CSV: model, the four counts, the four counts among bold cells.
func (v *Verdict) CSV() string {
	var b strings.Builder
	b.WriteString("model,paper_sign,opposite_sign,within_noise,not_testable,bold_paper_sign,bold_opposite_sign,bold_within_noise,bold_not_testable\n")
	for _, r := range v.Rows {
		fmt.Fprintf(&b, "%s,%d,%d,%d,%d,%d,%d,%d,%d\n", r.Label, r.Counts[0], r.Counts[1], r.Counts[2], r.Counts[3],
			r.BoldCount[0], r.BoldCount[1], r.BoldCount[2], r.BoldCount[3])
	}
	return b.String()
}

// VerdictTitle heads the verdict in Table 1's pages.
const VerdictTitle = "Does NeuRN help where the paper says it does? (+NeuRN minus bare, cell by cell)"

// HTML renders the verdict as an HTML table with a note on the rule.
func (v *Verdict) HTML() string {
	var b strings.Builder
	b.WriteString("<table>\n<tr><th>Model</th><th>paper's sign</th><th>opposite sign</th><th>within noise</th><th>not testable</th>" +
		"<th>of the paper's bold cells: paper's sign / opposite / noise / untestable</th></tr>\n")
	for _, r := range v.Rows {
		label := html.EscapeString(r.Label)
		if r.Label == "All" {
			label = "<b>All</b>"
		}
		fmt.Fprintf(&b, "<tr><td style=\"text-align:left\">%s</td><td>%d</td><td>%d</td><td>%d</td><td>%d</td><td>%d / %d / %d / %d</td></tr>\n",
			label, r.Counts[Agrees], r.Counts[Opposes], r.Counts[WithinNoise], r.Counts[Untestable],
			r.BoldCount[Agrees], r.BoldCount[Opposes], r.BoldCount[WithinNoise], r.BoldCount[Untestable])
	}
	b.WriteString("</table>\n<p>" + html.EscapeString(v.Rule()) + "</p>\n")
	return b.String()
}

// Rule says in words how cells are classified.
func (v *Verdict) Rule() string {
	if v.Seeds == 0 {
		return "No architecture has both a bare and a +NeuRN row here and in the paper's Table 1: nothing to compare."
	}
	return fmt.Sprintf("Each of the 12 transfers of each architecture is one cell: our +NeuRN minus bare difference of mean target accuracy, "+
		"with its 95%% Welch t interval over seeds (at least %d seeds per cell), against the paper's +NeuRN minus bare difference. "+
		"\"Paper's sign\": the interval excludes zero on the paper's side; \"opposite sign\": it excludes zero on the other side; "+
		"\"within noise\": it includes zero (or the paper's numbers are equal); \"not testable\": fewer than two seeds. "+
		"The paper's bold cells are those where its +NeuRN row is above its bare row.", v.Seeds)
}

package dg

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
)

// Stat is one table cell: the mean and sample standard deviation (n - 1 in the denominator) of
// accuracies in percent over seeds, and the results they come from.
type Stat struct {
	Mean, Std float64
	// N is the number of values (seeds); 0 for an empty cell.
	N int
	// Values are the accuracies (percent), Runs the result IDs, in the same order.
	Values []float64
	Runs   []string
}

// Add appends a value (percent) from a run.
func (s *Stat) Add(v float64, run string) {
	s.Values = append(s.Values, v)
	s.Runs = append(s.Runs, run)
	s.N = len(s.Values)
	var sum float64
	for _, x := range s.Values {
		sum += x
	}
	s.Mean = sum / float64(s.N)
	s.Std = 0
	if s.N > 1 {
		var ss float64
		for _, x := range s.Values {
			ss += (x - s.Mean) * (x - s.Mean)
		}
		s.Std = math.Sqrt(ss / float64(s.N-1))
	}
}

// BeatsBeyondSpread is the bolding rule of the tables: a beats b when both have at least two
// seeds and the difference of their means exceeds the sum of their sample standard deviations,
// mean(a) - mean(b) > sd(a) + sd(b). (With a single seed there is no spread, and nothing is
// bold.) It is a deliberately plain rule: for two seeds' Gaussian spreads it is stricter than
// non-overlapping one-sd bars and looser than a Welch t-test at 5% with few seeds.
func BeatsBeyondSpread(a, b Stat) bool {
	return a.N >= 2 && b.N >= 2 && a.Mean-b.Mean > a.Std+b.Std
}

// BoldRule picks how a table bolds a row's cells against its base row.
type BoldRule int

const (
	// BoldBeyondSpread bolds where [BeatsBeyondSpread] holds (our tables).
	BoldBeyondSpread BoldRule = iota
	// BoldGreater bolds where the mean is strictly greater (single published numbers).
	BoldGreater
	// BoldNone bolds nothing.
	BoldNone
)

// Row is one table row.
type Row struct {
	// Label is the row's name ("VGG19+NeuRN").
	Label string
	// Model is the architecture's key and Variant the row kind ("", "+NeuRN", ...).
	Model, Variant string
	// Base is the index of the row this one is compared with for bolding (-1: none).
	Base int
	// Cells has one Stat per column.
	Cells []Stat
}

// Table is a rendered result table.
type Table struct {
	Title   string
	Columns []string
	// ColumnNotes, when set, annotate columns (shown under the header in HTML and Markdown).
	ColumnNotes []string
	Rows        []Row
	Bold        BoldRule
	// Decimals is the number of decimals shown (default 1).
	Decimals int
	// Notes are printed under the table.
	Notes []string
}

// Bolded tells whether cell (row, col) is bold under the table's rule.
func (t *Table) Bolded(row, col int) bool {
	r := t.Rows[row]
	if r.Base < 0 || r.Base >= len(t.Rows) || r.Cells[col].N == 0 {
		return false
	}
	b := t.Rows[r.Base].Cells[col]
	switch t.Bold {
	case BoldBeyondSpread:
		return BeatsBeyondSpread(r.Cells[col], b)
	case BoldGreater:
		return b.N > 0 && r.Cells[col].Mean > b.Mean
	}
	return false
}

// cellText formats a cell: "74.2 ± 1.3" (n >= 2), "74.2" (n = 1), "–" (empty).
func (t *Table) cellText(s Stat) string {
	d := t.Decimals
	if d == 0 {
		d = 1
	}
	switch {
	case s.N == 0:
		return "–"
	case s.N == 1:
		return strconv.FormatFloat(s.Mean, 'f', d, 64)
	}
	return strconv.FormatFloat(s.Mean, 'f', d, 64) + " ± " + strconv.FormatFloat(s.Std, 'f', d, 64)
}

// Markdown renders the table as GitHub Markdown (bold cells in **).
func (t *Table) Markdown() string {
	var b strings.Builder
	if t.Title != "" {
		fmt.Fprintf(&b, "**%s**\n\n", t.Title)
	}
	b.WriteString("| |")
	for i, c := range t.Columns {
		b.WriteString(" " + c)
		if i < len(t.ColumnNotes) && t.ColumnNotes[i] != "" {
			b.WriteString(" " + t.ColumnNotes[i])
		}
		b.WriteString(" |")
	}
	b.WriteString("\n|---|")
	for range t.Columns {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for i, r := range t.Rows {
		b.WriteString("| " + r.Label + " |")
		for j, c := range r.Cells {
			s := t.cellText(c)
			if t.Bolded(i, j) {
				s = "**" + s + "**"
			}
			b.WriteString(" " + s + " |")
		}
		b.WriteString("\n")
	}
	for _, n := range t.Notes {
		b.WriteString("\n" + n + "\n")
	}
	return b.String()
}

// HTML renders the table as an HTML fragment (bold cells in <b>).
func (t *Table) HTML() string {
	var b strings.Builder
	b.WriteString("<table>\n")
	if t.Title != "" {
		fmt.Fprintf(&b, "<caption>%s</caption>\n", html.EscapeString(t.Title))
	}
	b.WriteString("<thead><tr><th></th>")
	for i, c := range t.Columns {
		note := ""
		if i < len(t.ColumnNotes) && t.ColumnNotes[i] != "" {
			note = "<br><small>" + html.EscapeString(t.ColumnNotes[i]) + "</small>"
		}
		fmt.Fprintf(&b, "<th>%s%s</th>", html.EscapeString(c), note)
	}
	b.WriteString("</tr></thead>\n<tbody>\n")
	for i, r := range t.Rows {
		fmt.Fprintf(&b, "<tr><th>%s</th>", html.EscapeString(r.Label))
		for j, c := range r.Cells {
			s := html.EscapeString(t.cellText(c))
			if t.Bolded(i, j) {
				s = "<b>" + s + "</b>"
			}
			fmt.Fprintf(&b, "<td>%s</td>", s)
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</tbody>\n</table>\n")
	for _, n := range t.Notes {
		fmt.Fprintf(&b, "<p>%s</p>\n", html.EscapeString(n))
	}
	return b.String()
}

// CSV renders the table: one line per row with its label, model, variant and, per column, the
// mean, standard deviation, number of seeds and whether the cell is bold.
func (t *Table) CSV() string {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	head := []string{"row", "model", "variant"}
	for _, c := range t.Columns {
		head = append(head, c+" mean", c+" std", c+" n", c+" bold")
	}
	_ = w.Write(head)
	for i, r := range t.Rows {
		line := []string{r.Label, r.Model, r.Variant}
		for j, c := range r.Cells {
			if c.N == 0 {
				line = append(line, "", "", "0", "false")
				continue
			}
			line = append(line, strconv.FormatFloat(c.Mean, 'f', 4, 64), strconv.FormatFloat(c.Std, 'f', 4, 64),
				strconv.Itoa(c.N), strconv.FormatBool(t.Bolded(i, j)))
		}
		_ = w.Write(line)
	}
	w.Flush()
	return buf.String()
}

// RunsCSV lists every value of every cell with the run it comes from: row, column, seed index,
// accuracy (percent) and result ID, so that each cell traces to its result files.
func (t *Table) RunsCSV() string {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"row", "column", "value", "run"})
	for _, r := range t.Rows {
		for j, c := range r.Cells {
			for k, v := range c.Values {
				_ = w.Write([]string{r.Label, t.Columns[j], strconv.FormatFloat(v, 'f', 4, 64), c.Runs[k]})
			}
		}
	}
	w.Flush()
	return buf.String()
}

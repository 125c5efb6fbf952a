package dg

import (
	"fmt"
	"html"
	"os"
	"path/filepath"
	"strings"

	"github.com/mice2machines/mice2machines/mvc"
)

// File names written by [WriteTable1] and [WriteProtocolTable] (in the output folder).
const (
	Table1Name        = "table1"
	Table1PaperCSV    = "table1_paper.csv"
	ProtocolTableName = "table_digits_protocol"
)

// writeText writes a file atomically.
func writeText(path, text string) error {
	return mvc.WriteFileAtomic(path, func(f *os.File) error {
		_, err := f.WriteString(text)
		return err
	})
}

// htmlPage wraps table fragments in a page.
func htmlPage(title string, about []string, tables ...*Table) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>%s</title>\n", html.EscapeString(title))
	b.WriteString("<style>body{font-family:sans-serif}table{border-collapse:collapse;margin:1em 0}" +
		"th,td{border:1px solid #bbb;padding:2px 6px;text-align:right}th{background:#f4f4f4}caption{font-weight:bold;text-align:left}</style>\n")
	fmt.Fprintf(&b, "</head><body>\n<h1>%s</h1>\n", html.EscapeString(title))
	for _, a := range about {
		fmt.Fprintf(&b, "<p>%s</p>\n", html.EscapeString(a))
	}
	for _, t := range tables {
		b.WriteString(t.HTML())
	}
	b.WriteString("</body></html>\n")
	return b.String()
}

// markdownPage renders a title, paragraphs and tables.
func markdownPage(title string, about []string, tables ...*Table) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", title)
	for _, a := range about {
		b.WriteString(a + "\n\n")
	}
	for i, t := range tables {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(t.Markdown())
	}
	return b.String()
}

// WriteTable1 writes Table 1 from results into dir: table1.md and table1.html (our table, the
// in-domain accuracies of the same runs, the verdict on the paper's NeuRN claims, then the
// paper's table), table1.csv (ours: mean, sd, n and bold per cell), table1_in_domain.csv,
// table1_verdict.csv ([Table1Verdict]), table1_runs.csv (every value with its run ID) and
// table1_paper.csv (the paper's numbers as published). about are lines printed above the tables
// (profile, where the results are). It returns the paths written.
func WriteTable1(dir string, results []*RunResult, about []string) ([]string, error) {
	ours := BuildTable1(results)
	inDomain := BuildInDomain(results)
	paper, err := PaperTable1()
	if err != nil {
		return nil, err
	}
	verdict := Table1Verdict(ours, paper)
	title := "Table 1: single-source domain generalization on digits, with and without NeuRN"
	md := markdownPage(title, about, ours, inDomain) + "\n## " + VerdictTitle + "\n\n" + verdict.Markdown() + "\n" + paper.Markdown()
	page := htmlPage(title, about, ours, inDomain)
	page = strings.TrimSuffix(page, "</body></html>\n") + "<h2>" + html.EscapeString(VerdictTitle) + "</h2>\n" + verdict.HTML() +
		paper.HTML() + "</body></html>\n"
	files := map[string]string{
		Table1Name + ".md":            md,
		Table1Name + ".html":          page,
		Table1Name + ".csv":           ours.CSV(),
		Table1Name + "_in_domain.csv": inDomain.CSV(),
		Table1Name + "_verdict.csv":   verdict.CSV(),
		Table1Name + "_runs.csv":      ours.RunsCSV(),
		Table1PaperCSV:                PaperTable1CSV(),
	}
	return writeFiles(dir, files, []string{Table1Name + ".md", Table1Name + ".html", Table1Name + ".csv",
		Table1Name + "_in_domain.csv", Table1Name + "_verdict.csv", Table1Name + "_runs.csv", Table1PaperCSV})
}

// WriteProtocolTable writes the digits protocol's table from results into dir:
// table_digits_protocol.md (ours and the published rows), .csv (mean, sd, n and bold per cell)
// and _runs.csv (every value with its run ID). It returns the paths written.
func WriteProtocolTable(dir string, results []*RunResult, about []string) ([]string, error) {
	t := BuildProtocolTable(results)
	title := "Single-source domain generalization on digits: the literature's protocol"
	files := map[string]string{
		ProtocolTableName + ".md":       markdownPage(title, about, t),
		ProtocolTableName + ".csv":      t.CSV(),
		ProtocolTableName + "_runs.csv": t.RunsCSV(),
	}
	return writeFiles(dir, files, []string{ProtocolTableName + ".md", ProtocolTableName + ".csv", ProtocolTableName + "_runs.csv"})
}

func writeFiles(dir string, files map[string]string, order []string) ([]string, error) {
	var paths []string
	for _, name := range order {
		p := filepath.Join(dir, name)
		if err := writeText(p, files[name]); err != nil {
			return paths, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

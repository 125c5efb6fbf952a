// Package kernel holds what the project's GoNB notebooks use to show their results inline in
// JupyterLab: figures (PNG or SVG), tables (HTML and markdown), markdown text and progress bars
// for long cells. The same calls work outside a notebook (the CLI, tests, CI): figures are then
// written to files, tables and text printed, progress drawn on stderr. So a notebook and
// "mvc reproduce" share one code path for every figure of the paper.
//
// The command kernel/cmd/mvc-kernel installs the GoNB kernel for this project and executes the
// notebooks headlessly (see its documentation).
package kernel

import (
	"fmt"
	"html"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/plots"
)

// InNotebook tells whether the program runs as a GoNB cell (GoNB sets the pipe it reads display
// data from).
func InNotebook() bool { return gonbui.IsNotebook }

// Output configures where results go outside a notebook.
var Output = struct {
	// Dir receives figures (name.png and name.svg) when not in a notebook; "" disables writing.
	Dir string
	// Writer receives markdown and tables when not in a notebook.
	Writer io.Writer
}{Dir: "", Writer: os.Stdout}

// ShowFigure displays a figure: inline as PNG in a notebook, followed by its caption; outside a
// notebook it writes Output.Dir/name.png and .svg (when Output.Dir is set) and prints the
// caption. name is the figure's file name without extension, e.g. "neurn_examples".
func ShowFigure(fig *plots.Figure, name string) error {
	if fig == nil {
		return errors.New("kernel: nil figure")
	}
	if InNotebook() {
		png, err := fig.Render("png")
		if err != nil {
			return errors.Wrapf(err, "kernel: rendering %s", name)
		}
		gonbui.DisplayPNG(png)
		if fig.Caption != "" {
			gonbui.DisplayMarkdown("*" + escapeMarkdown(fig.Caption) + "*")
		}
		return flush()
	}
	if Output.Dir != "" {
		paths, err := fig.Save(Output.Dir, name)
		if err != nil {
			return err
		}
		fmt.Fprintf(Output.Writer, "wrote %s\n", strings.Join(paths, ", "))
	}
	if fig.Caption != "" {
		fmt.Fprintln(Output.Writer, fig.Caption)
	}
	return nil
}

// ShowSVG displays a figure inline as SVG (sharp at any zoom, larger notebooks) in a notebook;
// outside one it behaves as [ShowFigure].
func ShowSVG(fig *plots.Figure, name string) error {
	if fig == nil {
		return errors.New("kernel: nil figure")
	}
	if !InNotebook() {
		return ShowFigure(fig, name)
	}
	svg, err := fig.Render("svg")
	if err != nil {
		return errors.Wrapf(err, "kernel: rendering %s", name)
	}
	gonbui.DisplaySVG(string(svg))
	if fig.Caption != "" {
		gonbui.DisplayMarkdown("*" + escapeMarkdown(fig.Caption) + "*")
	}
	return flush()
}

// Markdown shows markdown text: rendered in a notebook, printed otherwise.
func Markdown(md string) {
	if InNotebook() {
		gonbui.DisplayMarkdown(md)
		_ = flush()
		return
	}
	fmt.Fprintln(Output.Writer, md)
}

// Table is a simple table of strings with a header row.
type Table struct {
	Caption string
	Header  []string
	Rows    [][]string
}

// Markdown renders the table as GitHub-flavoured markdown (pipes in cells escaped).
func (t Table) Markdown() string {
	var b strings.Builder
	if t.Caption != "" {
		b.WriteString(t.Caption + "\n\n")
	}
	cell := func(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ") }
	row := func(cells []string) {
		b.WriteString("|")
		for _, c := range cells {
			b.WriteString(" " + cell(c) + " |")
		}
		b.WriteString("\n")
	}
	row(t.Header)
	b.WriteString("|" + strings.Repeat("---|", len(t.Header)) + "\n")
	for _, r := range t.Rows {
		row(r)
	}
	return b.String()
}

// HTML renders the table as an HTML table (cells escaped).
func (t Table) HTML() string {
	var b strings.Builder
	b.WriteString("<table>\n")
	if t.Caption != "" {
		b.WriteString("<caption>" + html.EscapeString(t.Caption) + "</caption>\n")
	}
	b.WriteString("<thead><tr>")
	for _, h := range t.Header {
		b.WriteString("<th>" + html.EscapeString(h) + "</th>")
	}
	b.WriteString("</tr></thead>\n<tbody>\n")
	for _, r := range t.Rows {
		b.WriteString("<tr>")
		for _, c := range r {
			b.WriteString("<td>" + html.EscapeString(c) + "</td>")
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</tbody>\n</table>\n")
	return b.String()
}

// ShowTable displays a table: as HTML in a notebook, as markdown otherwise.
func ShowTable(t Table) {
	if InNotebook() {
		gonbui.DisplayHTML(t.HTML())
		_ = flush()
		return
	}
	fmt.Fprintln(Output.Writer, t.Markdown())
}

// Progress reports the progress of a long cell: an updating HTML bar in a notebook, a line
// rewritten on stderr otherwise. Create it with [NewProgress]; it is safe for concurrent use.
type Progress struct {
	mu       sync.Mutex
	label    string
	total    int
	done     int
	start    time.Time
	id       string
	w        io.Writer
	lastDraw time.Time
}

// NewProgress starts a progress report for total steps.
func NewProgress(label string, total int) *Progress {
	p := &Progress{label: label, total: max(total, 1), start: time.Now(), w: os.Stderr}
	if InNotebook() {
		p.id = "mvc-progress-" + gonbui.UniqueId()
	}
	p.draw(true)
	return p
}

// Add advances the progress by n steps.
func (p *Progress) Add(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done = min(p.done+n, p.total)
	p.draw(p.done == p.total)
}

// Done marks the work as finished.
func (p *Progress) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done = p.total
	p.draw(true)
	if !InNotebook() {
		fmt.Fprintln(p.w)
	}
}

// String formats the progress: label, percentage, counts, elapsed time and ETA.
func (p *Progress) String() string {
	elapsed := time.Since(p.start)
	eta := "?"
	if left, ok := mvc.ETA(elapsed, p.done, p.total); ok {
		eta = mvc.FormatDuration(left)
	}
	return fmt.Sprintf("%s %3.0f%% (%d/%d) elapsed %s, ETA %s", p.label, 100*float64(p.done)/float64(p.total),
		p.done, p.total, mvc.FormatDuration(elapsed), eta)
}

func (p *Progress) draw(force bool) {
	if !force && time.Since(p.lastDraw) < 200*time.Millisecond {
		return
	}
	p.lastDraw = time.Now()
	if InNotebook() {
		pct := 100 * float64(p.done) / float64(p.total)
		gonbui.UpdateHTML(p.id, fmt.Sprintf(
			`<div style="font-family:monospace"><progress value="%.1f" max="100" style="width:40%%"></progress> %s</div>`,
			pct, html.EscapeString(p.String())))
		return
	}
	fmt.Fprintf(p.w, "\r%s", p.String())
}

// flush waits until GoNB has received everything displayed so far: a cell's program may exit
// right after displaying, and output still in the pipe would be lost (seen in headless runs).
func flush() error {
	gonbui.Sync()
	return gonbui.Error()
}

// escapeMarkdown keeps a caption from being read as markdown syntax.
func escapeMarkdown(s string) string {
	r := strings.NewReplacer("*", `\*`, "_", `\_`, "#", `\#`, "`", "\\`", "<", "&lt;")
	return r.Replace(s)
}

// RelPath returns path as a notebook's saved output should show it: relative to the repository
// root when that is shorter to follow (a data folder beside the clone: ../data), else with
// mvc.PortableText's folders ($MVC_DATA, $GOMODCACHE, ~), so that outputs name no folder of the
// machine that ran them.
func RelPath(path string) string {
	if root, err := RepoRoot(); err == nil && filepath.IsAbs(path) {
		if rel, err := filepath.Rel(root, path); err == nil && !strings.HasPrefix(rel, "../../") {
			return rel
		}
	}
	return mvc.PortableText(path)
}

// RepoRoot returns the repository root of this module, found by walking up from the working
// directory to the directory holding go.mod; notebooks run in notebooks/, the CLI anywhere.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("kernel: no go.mod above the working directory")
		}
		dir = parent
	}
}

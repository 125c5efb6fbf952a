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
	"github.com/janpfeifer/gonb/gonbui/protocol"
	"github.com/pkg/errors"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/allen"
	"github.com/mice2machines/mice2machines/mvc/comparison"
	"github.com/mice2machines/mice2machines/mvc/plots"
	"github.com/mice2machines/mice2machines/mvc/similarity"
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
		display(map[protocol.MIMEType]any{protocol.MIMEImagePNG: png, protocol.MIMETextPlain: figureText(fig, name)})
		showCaption(fig.Caption)
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
	// SVG travels as HTML, as GoNB sends it: front ends and nbconvert handle that better than
	// image/svg+xml outputs.
	display(map[protocol.MIMEType]any{protocol.MIMETextHTML: "<div>" + string(svg) + "</div>", protocol.MIMETextPlain: figureText(fig, name)})
	showCaption(fig.Caption)
	return flush()
}

// Markdown shows markdown text: rendered in a notebook (with the text itself as the plain-text
// alternative that front ends show when they do not render markdown), printed otherwise.
// Text that comes from data (paths, names, provenance) should go through [EscapeMarkdown], so
// that a "$" is not typeset as math and a "*" does not start emphasis.
//
// In a notebook the output also carries the markdown rendered as HTML (GitHub-flavoured, tables
// included) in a block MathJax skips ([NoMathClass]): front ends that prefer HTML, or that show
// an untrusted notebook's markdown outputs as plain text (the classic Jupyter Notebook), then
// still draw tables and emphasis.
func Markdown(md string) {
	if InNotebook() {
		out := map[protocol.MIMEType]any{protocol.MIMETextMarkdown: md, protocol.MIMETextPlain: md}
		if h, err := MarkdownHTML(md); err == nil {
			out[protocol.MIMETextHTML] = h
		}
		display(out)
		_ = flush()
		return
	}
	fmt.Fprintln(Output.Writer, md)
}

// markdownRenderer converts GitHub-flavoured markdown; raw HTML in the text is escaped, not
// passed through.
var markdownRenderer = goldmark.New(goldmark.WithExtensions(extension.GFM))

// MarkdownHTML renders markdown (GitHub-flavoured: tables, strikethrough, autolinks) as HTML in
// a block MathJax skips ([NoMathClass]), so that a "$" in data stays a dollar sign.
func MarkdownHTML(md string) (string, error) {
	var b strings.Builder
	b.WriteString(`<div class="` + NoMathClass + `">`)
	if err := markdownRenderer.Convert([]byte(md), &b); err != nil {
		return "", errors.Wrap(err, "kernel: rendering markdown")
	}
	b.WriteString("</div>")
	return b.String(), nil
}

// Table is a simple table of strings with a header row.
type Table struct {
	Caption string
	Header  []string
	Rows    [][]string
}

// Markdown renders the table as GitHub-flavoured markdown (caption and cells escaped with
// [EscapeMarkdown], pipes included).
func (t Table) Markdown() string {
	var b strings.Builder
	if t.Caption != "" {
		b.WriteString(EscapeMarkdown(t.Caption) + "\n\n")
	}
	cell := func(s string) string { return strings.ReplaceAll(EscapeMarkdown(s), "\n", " ") }
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

// HTML renders the table as an HTML table (cells escaped), inside a block that MathJax skips, so
// that a "$" in a cell is not typeset as math.
func (t Table) HTML() string {
	var b strings.Builder
	b.WriteString(`<div class="` + NoMathClass + `"><table>` + "\n")
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
	b.WriteString("</tbody>\n</table></div>\n")
	return b.String()
}

// ShowTable displays a table: as HTML in a notebook (its markdown as the plain-text
// alternative), as markdown otherwise.
func ShowTable(t Table) {
	if InNotebook() {
		display(map[protocol.MIMEType]any{protocol.MIMETextHTML: t.HTML(), protocol.MIMETextPlain: t.Markdown()})
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

// Set sets the progress to done steps (out of the total).
func (p *Progress) Set(done int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done = min(max(done, 0), p.total)
	p.draw(p.done == p.total)
}

// ProgressFunc returns a progress callback in the form the library's long steps take (such as
// allen.CachedSurvey's: done of total, and what is being done): it draws a [Progress] labelled
// label, created at the first call, since only then is the total known.
func ProgressFunc(label string) func(done, total int, what string) {
	var mu sync.Mutex
	var p *Progress
	return func(done, total int, _ string) {
		mu.Lock()
		if p == nil {
			p = NewProgress(label, total)
		}
		mu.Unlock()
		p.Set(done)
	}
}

// StageProgressFunc returns a progress callback for steps made of stages (such as
// embed.SelectOptions.Progress: UMAP's neighbour search, then its optimisation): a new
// [Progress], labelled "label: stage", for each stage.
func StageProgressFunc(label string) func(stage string, done, total int) {
	var mu sync.Mutex
	var p *Progress
	current := ""
	return func(stage string, done, total int) {
		mu.Lock()
		if p == nil || stage != current {
			p, current = NewProgress(label+": "+stage, total), stage
		}
		q := p
		mu.Unlock()
		q.Set(done)
	}
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
		text := p.String()
		gonbui.SendData(&protocol.DisplayData{DisplayID: p.id, Data: map[protocol.MIMEType]any{
			protocol.MIMETextHTML: fmt.Sprintf(
				`<div class="%s" style="font-family:monospace"><progress value="%.1f" max="100" style="width:40%%"></progress> %s</div>`,
				NoMathClass, pct, html.EscapeString(text)),
			protocol.MIMETextPlain: text,
		}})
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

// markdownEscaper escapes what markdown or MathJax would read as syntax; "$" above all, which
// Jupyter front ends typeset as math.
var markdownEscaper = strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "#", `\#`, "`", "\\`", "<", "&lt;",
	"$", `\$`, "|", `\|`, "[", `\[`, "]", `\]`)

// DataSummary says where real data comes from without naming a machine's folders: whether
// $MVC_DATA is set and, when it is, which dataset folders it holds (e.g. "set: bsds500, cifar100,
// usps").
func DataSummary() string {
	dir, ok := mvc.DataDir()
	switch {
	case dir == "":
		return "unset: MNIST from the Go module cache, simulations elsewhere"
	case !ok:
		return "set to a folder that does not exist"
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "set, unreadable: " + err.Error()
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return "set to an empty folder"
	}
	return "set: " + strings.Join(names, ", ")
}

// EscapeMarkdown returns s escaped for a markdown output, so that text that comes from data
// (paths such as "$MVC_DATA/usps", model names, provenance) reads as written: "$" is not
// typeset as math, "*" and "_" start no emphasis, "|" ends no table cell.
func EscapeMarkdown(s string) string { return markdownEscaper.Replace(s) }

// NoMathClass is the class of the HTML blocks the kernel shows: MathJax (versions 2 and 3, as
// Jupyter front ends and nbconvert's HTML configure it) does not typeset math inside them, so a
// "$" in data reads as a dollar sign.
const NoMathClass = "tex2jax_ignore"

// ShortCaptionLen is the length in bytes beyond which [ShortCaption] cuts a caption's first
// sentence.
const ShortCaptionLen = 200

// ShortCaption returns the caption's first sentence, cut at a clause or word boundary before
// [ShortCaptionLen] bytes (with " …" appended) when it is longer: what a notebook prints under a
// figure, the full caption being one click away.
func ShortCaption(caption string) string {
	s := strings.TrimSpace(caption)
	depth := 0
sentence:
	for i, r := range s {
		switch r {
		case '(', '[':
			depth++
		case ')', ']':
			depth = max(depth-1, 0)
		case '.':
			if depth == 0 && (i+1 == len(s) || (s[i+1] == ' ' || s[i+1] == '\n') && !continues(s[i+1:])) {
				s = s[:i+1]
				break sentence
			}
		}
	}
	if len(s) <= ShortCaptionLen {
		return s
	}
	cut := s[:ShortCaptionLen]
	for _, sep := range []string{"; ", ", ", " "} {
		if i := strings.LastIndex(cut, sep); i > ShortCaptionLen/2 {
			return cut[:i] + " …"
		}
	}
	return strings.ToValidUTF8(cut, "") + " …"
}

// continues tells whether the text after a full stop continues the sentence: it goes on with a
// digit or a lower-case letter, as after "Eq. 1", "et al. 2011" or "e.g. the".
func continues(rest string) bool {
	rest = strings.TrimLeft(rest, " \n")
	return rest != "" && (rest[0] >= '0' && rest[0] <= '9' || rest[0] >= 'a' && rest[0] <= 'z')
}

// CaptionHTML renders a caption as a notebook shows it: its [ShortCaption] in italics, then,
// when the caption says more, the full caption (provenance included) in a collapsed details
// block; all escaped, inside a block MathJax skips.
func CaptionHTML(caption string) string {
	short := ShortCaption(caption)
	var b strings.Builder
	b.WriteString(`<div class="` + NoMathClass + `"><p><em>` + html.EscapeString(short) + "</em></p>")
	if short != strings.TrimSpace(caption) {
		b.WriteString("<details><summary>Full caption and provenance</summary><p>" + html.EscapeString(caption) + "</p></details>")
	}
	b.WriteString("</div>")
	return b.String()
}

// showCaption shows a figure's caption once: short, with the full text one click away; the full
// caption is the plain-text alternative.
func showCaption(caption string) {
	if caption == "" {
		return
	}
	display(map[protocol.MIMEType]any{protocol.MIMETextHTML: CaptionHTML(caption), protocol.MIMETextPlain: caption})
}

// figureText is a figure's plain-text alternative: its name and short caption.
func figureText(fig *plots.Figure, name string) string {
	if fig.Caption == "" {
		return "[figure " + name + "]"
	}
	return "[figure " + name + ": " + ShortCaption(fig.Caption) + "]"
}

// display sends one output with several representations to the notebook; every output the
// kernel shows carries a text/plain one, which front ends fall back to when they do not render
// (or do not trust) the richer ones.
func display(data map[protocol.MIMEType]any) {
	gonbui.SendData(&protocol.DisplayData{Data: data})
}

// Check ends the cell when err is not nil: it prints "error: " and the error on stderr and exits
// the cell's program with status 1, so that a notebook handles an error in one line
// (kernel.Check(err)) and its headless run fails. Outside a notebook it does the same to the
// process, like log.Fatal.
func Check(err error) {
	if err == nil {
		return
	}
	if InNotebook() {
		_ = flush()
	}
	fmt.Fprintf(os.Stderr, "error: %v\n", err)
	exit(1)
}

// Must returns v when err is nil, and otherwise ends the cell as [Check] does:
// images := kernel.Must(data.LoadMNISTImages(data.MNISTTest)).
func Must[T any](v T, err error) T {
	Check(err)
	return v
}

// exit ends the program; tests replace it.
var exit = os.Exit

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

// Comparison returns the comparison of the named profile ("smoke", "quick" or "paper") that
// notebooks show: the simulated cortex (allen.CachedSurvey with allen.DefaultSimOptions), the
// CIFAR-27 runs of the repository's figures/runs (the smoke profile reads the quick runs), the
// chosen backend and seed 42, computed once and cached on disk ([comparison.Cached]); "mvc
// reproduce" shares the cache when its inputs are the same. Progress lines go to stdout.
func Comparison(profile string) (*comparison.Result, error) {
	p, err := comparison.LookupProfile(profile)
	if err != nil {
		return nil, err
	}
	survey, err := allen.CachedSurvey(allen.DefaultSimOptions(), nil)
	if err != nil {
		return nil, errors.WithMessage(err, "kernel: simulated survey")
	}
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	runProfile := profile
	if profile == "smoke" {
		runProfile = "quick" // the smoke comparison still reads the quick CIFAR-27 runs when present
	}
	backend, err := mvc.Backend()
	if err != nil {
		return nil, errors.WithMessage(err, "kernel: backend")
	}
	return comparison.Cached(comparison.SurveyFiles(survey), comparison.SurveyDescription(survey), comparison.Options{
		Profile: p, RunsDir: filepath.Join(root, "figures", "runs"), RunProfile: runProfile,
		Backend: backend, Seed: 42, Log: os.Stdout, Progress: ProgressFunc("comparison"),
	})
}

// ShowComparisonFigure shows one of a comparison's figures ([comparison.FigureNames]) with its
// caption, or, when the result cannot draw it, the note that says why.
func ShowComparisonFigure(res *comparison.Result, name string) error {
	if res == nil {
		return errors.New("kernel: nil comparison result")
	}
	fig, note, err := res.Figure(name)
	if err != nil {
		return err
	}
	if fig == nil {
		Markdown("*" + EscapeMarkdown(note) + "*")
		return nil
	}
	return ShowFigure(fig, name)
}

// ComparisonSummary is a comparison's headline table: for every architecture compared with and
// without NeuRN, over all selected cells, the mean RMSE of each variant with its bootstrap
// interval, the NeuRN - base difference with its interval and Holm-adjusted permutation p, and
// linear CKA of each variant.
func ComparisonSummary(res *comparison.Result) Table {
	tab := Table{Caption: "Mean RMSE over all selected cells (95% bootstrap intervals); NeuRN - base difference with paired permutation test",
		Header: []string{"model", "RMSE base", "RMSE NeuRN", "NeuRN - base", "p (Holm)", "CKA base", "CKA NeuRN"}}
	if res == nil || res.Table == nil {
		return tab
	}
	num := func(p *float64) string {
		if p == nil {
			return "-"
		}
		return fmt.Sprintf("%.3f", *p)
	}
	all := similarity.Group{Level: similarity.LevelAll, Area: similarity.All, Cre: similarity.All, Class: similarity.All}
	for _, m := range res.Models {
		if m.NeuRN {
			continue
		}
		base, ok1 := res.Table.Row(m.Name, false, all)
		with, ok2 := res.Table.Row(m.Name, true, all)
		cmp, ok3 := res.Table.Comparison(m.Name, all)
		if !ok1 || !ok2 || !ok3 {
			continue
		}
		tab.Rows = append(tab.Rows, []string{m.Name,
			fmt.Sprintf("%.4f [%.4f, %.4f]", base.MeanRMSE, base.CILow, base.CIHigh),
			fmt.Sprintf("%.4f [%.4f, %.4f]", with.MeanRMSE, with.CILow, with.CIHigh),
			fmt.Sprintf("%+.4f [%+.4f, %+.4f]", cmp.MeanDiff, cmp.CILow, cmp.CIHigh),
			fmt.Sprintf("%.3g", cmp.PHolm), num(base.CKA), num(with.CKA)})
	}
	return tab
}

// Details shows text collapsed under a summary line (an HTML details block in a notebook, with
// the text as the plain-text alternative); outside a notebook it prints the summary and the
// text. It keeps long provenance records one click away.
func Details(summary, text string) {
	if InNotebook() {
		display(map[protocol.MIMEType]any{
			protocol.MIMETextHTML: `<div class="` + NoMathClass + `"><details><summary>` + html.EscapeString(summary) +
				`</summary><pre style="white-space:pre-wrap">` + html.EscapeString(text) + `</pre></details></div>`,
			protocol.MIMETextPlain: summary + "\n" + text,
		})
		_ = flush()
		return
	}
	fmt.Fprintf(Output.Writer, "%s\n%s\n", summary, text)
}

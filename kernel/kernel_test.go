package kernel_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mice2machines/mice2machines/kernel"
	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/plots"
)

func TestTableRendering(t *testing.T) {
	tb := kernel.Table{Caption: "RMSE <by> area", Header: []string{"model", "VISp"},
		Rows: [][]string{{"vgg19|NeuRN", "0.21"}, {"digitnet", "<0.3>"}}}
	md := tb.Markdown()
	if !strings.Contains(md, `| vgg19\|NeuRN | 0.21 |`) || !strings.Contains(md, "|---|---|") {
		t.Errorf("markdown:\n%s", md)
	}
	html := tb.HTML()
	if !strings.Contains(html, "<td>&lt;0.3&gt;</td>") || !strings.Contains(html, "<caption>RMSE &lt;by&gt; area</caption>") {
		t.Errorf("html:\n%s", html)
	}
}

func TestShowFigureOutsideNotebookWritesFiles(t *testing.T) {
	if kernel.InNotebook() {
		t.Skip("running inside GoNB")
	}
	dir := t.TempDir()
	var out bytes.Buffer
	kernel.Output.Dir, kernel.Output.Writer = dir, &out
	defer func() { kernel.Output.Dir, kernel.Output.Writer = "", os.Stdout }()
	opts := plots.DefaultNeuRNExamplesOptions()
	opts.KernelSizes = []int{3}
	opts.MNISTIndices = []int{0}
	fig, err := plots.NeuRNExamples(opts)
	if err != nil {
		t.Skipf("figure needs MNIST: %v", err)
	}
	if err := kernel.ShowFigure(fig, "example"); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"example.png", "example.svg"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s not written: %v", f, err)
		}
	}
	if !strings.Contains(out.String(), "MNIST") {
		t.Errorf("caption not printed: %q", out.String())
	}
	if err := kernel.ShowFigure(nil, "x"); err == nil {
		t.Error("nil figure: want an error")
	}
}

func TestProgressString(t *testing.T) {
	p := kernel.NewProgress("epochs", 4)
	p.Add(1)
	s := p.String()
	if !strings.Contains(s, "epochs") || !strings.Contains(s, "25%") || !strings.Contains(s, "(1/4)") || !strings.Contains(s, "ETA") {
		t.Errorf("progress: %q", s)
	}
	p.Add(10) // clamps
	if !strings.Contains(p.String(), "(4/4)") {
		t.Errorf("progress past the end: %q", p.String())
	}
	p.Done()
}

func TestRepoRoot(t *testing.T) {
	root, err := kernel.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Errorf("RepoRoot %s has no go.mod", root)
	}
}

func TestRelPath(t *testing.T) {
	RepoRoot, RelPath := kernel.RepoRoot, kernel.RelPath
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	beside := filepath.Join(filepath.Dir(root), "data")
	if got := RelPath(beside); got != filepath.Join("..", "data") {
		t.Errorf("RelPath(%q) = %q, want ../data", beside, got)
	}
	home := t.TempDir()
	t.Setenv("HOME", home)
	far := filepath.Join(home, ".cache", "x")
	if rel, _ := filepath.Rel(root, far); strings.HasPrefix(rel, "../../") {
		if got := RelPath(far); got != "~/.cache/x" {
			t.Errorf("RelPath(%q) = %q, want ~/.cache/x", far, got)
		}
	}
}

func TestEscapeMarkdown(t *testing.T) {
	got := kernel.EscapeMarkdown(`$MVC_DATA/usps_*x*_[a]|b \ ` + "`c`")
	want := `\$MVC\_DATA/usps\_\*x\*\_\[a\]\|b \\ ` + "\\`c\\`"
	if got != want {
		t.Errorf("EscapeMarkdown = %q, want %q", got, want)
	}
	md := kernel.Table{Caption: "from $MVC_DATA", Header: []string{"a"}, Rows: [][]string{{"$GOMODCACHE/x"}}}.Markdown()
	if strings.Contains(strings.ReplaceAll(md, `\$`, ""), "$") {
		t.Errorf("table markdown has an unescaped $:\n%s", md)
	}
	if h := (kernel.Table{Header: []string{"a"}}).HTML(); !strings.Contains(h, kernel.NoMathClass) {
		t.Errorf("table HTML is not in a block MathJax skips:\n%s", h)
	}
}

func TestShortCaption(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Figure 1: a grid (Eq. 1, Smith et al. 2011). Data: $MVC_DATA/x.", "Figure 1: a grid (Eq. 1, Smith et al. 2011)."},
		{"No full stop", "No full stop"},
		{"Nearest by Eq. 1 and e.g. this one. Then more.", "Nearest by Eq. 1 and e.g. this one."},
		{strings.Repeat("word ", 30) + "end; " + strings.Repeat("more ", 30) + ".", strings.Repeat("word ", 30) + "end …"},
	} {
		if got := kernel.ShortCaption(c.in); got != c.want {
			t.Errorf("ShortCaption(%q) = %q, want %q", c.in, got, c.want)
		}
		if n := len(kernel.ShortCaption(c.in)); n > kernel.ShortCaptionLen+len(" …") {
			t.Errorf("ShortCaption(%q) is %d bytes long", c.in, n)
		}
	}
	h := kernel.CaptionHTML("Figure 1: a <grid>. Data: $MVC_DATA/x.")
	for _, want := range []string{"<em>Figure 1: a &lt;grid&gt;.</em>", "<details>", "$MVC_DATA/x", kernel.NoMathClass} {
		if !strings.Contains(h, want) {
			t.Errorf("CaptionHTML lacks %q:\n%s", want, h)
		}
	}
	if h := kernel.CaptionHTML("Short."); strings.Contains(h, "<details>") {
		t.Errorf("a one-sentence caption gets a details block:\n%s", h)
	}
}

func TestCheckAndMust(t *testing.T) {
	code := -1
	defer kernel.SetExit(func(c int) { code = c })()
	kernel.Check(nil)
	if got := kernel.Must(7, nil); got != 7 || code != -1 {
		t.Errorf("Must(7, nil) = %d, exit code %d", got, code)
	}
	kernel.Must(0, os.ErrNotExist)
	if code != 1 {
		t.Errorf("Must with an error exited with %d, want 1", code)
	}
}

func TestProgressFunc(t *testing.T) {
	f := kernel.ProgressFunc("files")
	f(1, 4, "a")
	f(4, 4, "d")
	f(9, 4, "beyond the total is clamped")
}

func TestSliderFigureOutsideNotebook(t *testing.T) {
	if kernel.InNotebook() {
		t.Skip("running inside GoNB")
	}
	var out bytes.Buffer
	kernel.Output.Writer = &out
	defer func() { kernel.Output.Writer = os.Stdout }()
	drawn := []int{}
	draw := func(k int) (*plots.Figure, error) {
		drawn = append(drawn, k)
		return &plots.Figure{Content: &plots.ImageGrid{}, Width: 1, Height: 1, Caption: "k is " + strconv.Itoa(k)}, nil
	}
	if err := kernel.SliderFigure("k", 1, 9, 5, "slider", draw); err != nil {
		t.Fatal(err)
	}
	if len(drawn) != 1 || drawn[0] != 5 || !strings.Contains(out.String(), "k is 5") {
		t.Errorf("drawn %v, output %q; want one drawing at 5", drawn, out.String())
	}
	if err := kernel.SliderFigure("k", 1, 9, 10, "slider", draw); err == nil {
		t.Error("a value outside the range: want an error")
	}
}

func TestMarkdownHTML(t *testing.T) {
	md := kernel.Table{Caption: "from $MVC_DATA", Header: []string{"model", "acc"},
		Rows: [][]string{{"VGG19+NeuRN", "**0.93**"}}}.Markdown()
	h, err := kernel.MarkdownHTML(md)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<div class="tex2jax_ignore">`, "<table>", "<th>model</th>", "VGG19+NeuRN", "from $MVC_DATA"} {
		if !strings.Contains(h, want) {
			t.Errorf("HTML lacks %q:\n%s", want, h)
		}
	}
	if h, _ := kernel.MarkdownHTML("<script>x()</script>\n\n*a*"); strings.Contains(h, "<script>") || !strings.Contains(h, "<em>a</em>") {
		t.Errorf("raw HTML passed through or emphasis lost: %s", h)
	}
}

func TestDataSummary(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(mvc.DataEnvVar, dir)
	if got := kernel.DataSummary(); got != "set to an empty folder" {
		t.Errorf("empty folder: %q", got)
	}
	if err := os.Mkdir(filepath.Join(dir, "usps"), 0o755); err != nil {
		t.Fatal(err)
	}
	if got := kernel.DataSummary(); got != "set: usps" || strings.Contains(got, dir) {
		t.Errorf("one dataset: %q", got)
	}
	t.Setenv(mvc.DataEnvVar, "")
	if got := kernel.DataSummary(); !strings.HasPrefix(got, "unset") {
		t.Errorf("unset: %q", got)
	}
}

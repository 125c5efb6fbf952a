package dg

import (
	"encoding/csv"
	"math"
	"strings"
	"testing"

	"github.com/mice2machines/mice2machines/mvc/data"
)

// fakeResult makes a stored result of model (+NeuRN when k > 0) trained on src with the given
// target accuracies (fractions), for renderer tests.
func fakeResult(model string, k int, rc bool, src string, seed uint64, acc map[string]float64) *RunResult {
	spec := RunSpec{
		Experiment: ExperimentTable1, Model: ModelSpec{Name: model, Width: 1, NeuRN: k, Classes: 10, Size: 32, Seed: seed},
		Source: src, Seed: seed, DataSeed: 1,
	}
	if rc {
		spec.Input.RandConv = RCMix(0)
	}
	spec.Targets = []string{data.DomainMNIST, data.DomainUSPS, data.DomainSYN, data.DomainMNISTM}
	r := &RunResult{ID: spec.ID(), Spec: spec}
	for _, d := range spec.Targets {
		if a, ok := acc[d]; ok {
			r.Targets = append(r.Targets, DomainResult{Domain: d, Code: DomainCode(d), Accuracy: a, Images: 100})
		}
	}
	return r
}

func TestStatAndBoldRule(t *testing.T) {
	var a, b Stat
	for _, v := range []float64{70, 72, 74} {
		a.Add(v, "a")
	}
	for _, v := range []float64{60, 61, 62} {
		b.Add(v, "b")
	}
	if a.Mean != 72 || math.Abs(a.Std-2) > 1e-12 || a.N != 3 {
		t.Fatalf("stat %+v: want mean 72, sample sd 2, n 3", a)
	}
	// 72 - 61 = 11 > 2 + 1: beats.
	if !BeatsBeyondSpread(a, b) || BeatsBeyondSpread(b, a) {
		t.Error("72 +- 2 should beat 61 +- 1, and not the reverse")
	}
	// Within the spread: 72 +- 2 vs 69 +- 1.5 (difference 3 < 3.5).
	var c Stat
	for _, v := range []float64{67.5, 69, 70.5} {
		c.Add(v, "c")
	}
	if BeatsBeyondSpread(a, c) {
		t.Errorf("72 +- 2 should not beat %.1f +- %.1f beyond the spread", c.Mean, c.Std)
	}
	// A single seed never beats anything: no spread to compare with.
	var one Stat
	one.Add(99, "x")
	if BeatsBeyondSpread(one, b) || BeatsBeyondSpread(a, one) {
		t.Error("a single seed should never count as beyond the spread")
	}
}

// twoSeedResults makes Table 1 results for VGG19 and +NeuRN over two seeds: NeuRN wins M->U
// clearly, ties M->MM within the spread and loses U->M.
func twoSeedResults() []*RunResult {
	var rs []*RunResult
	for seed := uint64(1); seed <= 2; seed++ {
		d := 0.01 * float64(seed) // seeds differ by 1 point
		rs = append(rs,
			fakeResult("vgg19", 0, false, data.DomainMNIST, seed, map[string]float64{
				data.DomainMNIST: 0.99, data.DomainUSPS: 0.60 + d, data.DomainSYN: 0.20 + d, data.DomainMNISTM: 0.50 + d}),
			fakeResult("vgg19", 3, false, data.DomainMNIST, seed, map[string]float64{
				data.DomainMNIST: 0.99, data.DomainUSPS: 0.70 + d, data.DomainSYN: 0.22 + d, data.DomainMNISTM: 0.51 + d}),
			fakeResult("vgg19", 0, false, data.DomainUSPS, seed, map[string]float64{data.DomainMNIST: 0.60 + d}),
			fakeResult("vgg19", 3, false, data.DomainUSPS, seed, map[string]float64{data.DomainMNIST: 0.40 + d}),
			fakeResult("vgg19", 0, true, data.DomainMNIST, seed, map[string]float64{data.DomainUSPS: 0.80 + d}),
		)
	}
	// A model outside Table 1 comes after the Table 1 models; listed first here on purpose.
	return append([]*RunResult{fakeResult("tiny", 0, false, data.DomainMNIST, 1, map[string]float64{data.DomainUSPS: 0.5})}, rs...)
}

func TestTable1ColumnsRowsAndBold(t *testing.T) {
	tab := BuildTable1(twoSeedResults())
	want := "M->U M->S M->MM U->M U->S U->MM S->M S->U S->MM MM->M MM->U MM->S"
	if got := strings.Join(tab.Columns, " "); got != want {
		t.Fatalf("columns %q, want the paper's order %q", got, want)
	}
	var labels []string
	for _, r := range tab.Rows {
		labels = append(labels, r.Label)
	}
	if got := strings.Join(labels, ","); got != "VGG19,VGG19+NeuRN,VGG19+RandConv,tiny" {
		t.Fatalf("rows %q, want VGG19, VGG19+NeuRN, VGG19+RandConv, tiny", got)
	}
	col := func(name string) int {
		for i, c := range tab.Columns {
			if c == name {
				return i
			}
		}
		t.Fatalf("no column %s", name)
		return -1
	}
	nr := 1
	if c := tab.Rows[nr].Cells[col("M->U")]; c.N != 2 || math.Abs(c.Mean-71.5) > 1e-9 {
		t.Fatalf("VGG19+NeuRN M->U = %+v, want mean 71.5 over 2 seeds", c)
	}
	// M->S uses the SYN results (S = SYN).
	if c := tab.Rows[0].Cells[col("M->S")]; c.N != 2 || math.Abs(c.Mean-21.5) > 1e-9 {
		t.Fatalf("VGG19 M->S = %+v, want 21.5 from the SYN targets", c)
	}
	// The source's own test split is not a transfer: no M->M column gets it, and M->M is absent.
	for j, name := range tab.Columns {
		bold := tab.Bolded(nr, j)
		switch name {
		case "M->U", "M->S":
			// +10 points (sd 0.71 each) and +2 points: beyond the spread.
			if !bold {
				t.Errorf("%s should be bold", name)
			}
		default:
			// M->MM: +1 point with sds 0.71 + 0.71 (within); U->M: NeuRN worse; others empty.
			if bold {
				t.Errorf("%s should not be bold", name)
			}
		}
	}
	if !tab.Bolded(2, col("M->U")) {
		t.Error("the RandConv row's M->U (81.5 vs 61.5) should be bold against the bare model")
	}
	md := tab.Markdown()
	if !strings.Contains(md, "| VGG19+NeuRN | **71.5 ± 0.7** | **23.5 ± 0.7** | 52.5 ± 0.7 | 41.5 ± 0.7 |") {
		t.Errorf("Markdown row of VGG19+NeuRN not as expected:\n%s", md)
	}
	if !strings.Contains(md, "| tiny | 50.0 | – |") {
		t.Errorf("single-seed row should show the bare mean and dashes for empty cells:\n%s", md)
	}
	if !strings.Contains(md, "S = SYN (SVHN stand-in)") {
		t.Errorf("the notes should say S = SYN:\n%s", md)
	}
	h := tab.HTML()
	if !strings.Contains(h, "<td><b>71.5 ± 0.7</b></td>") || strings.Contains(h, "<b>52.5") {
		t.Errorf("HTML bolding wrong:\n%s", h)
	}
	recs, err := csv.NewReader(strings.NewReader(tab.CSV())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if recs[0][3] != "M->U mean" || recs[0][7] != "M->S mean" || recs[2][0] != "VGG19+NeuRN" || recs[2][3] != "71.5000" || recs[2][6] != "true" {
		t.Errorf("CSV header/row wrong: %v / %v", recs[0][:8], recs[2][:8])
	}
	runs := tab.RunsCSV()
	if strings.Count(runs, "\n") != 1+countValues(tab) {
		t.Errorf("runs CSV should have one line per value")
	}
	if !strings.Contains(runs, "VGG19+NeuRN,M->U,71.0000,vgg19-neurn3_mnist_s1_") {
		t.Errorf("runs CSV should trace each value to its run:\n%s", runs)
	}
}

func countValues(t *Table) int {
	n := 0
	for _, r := range t.Rows {
		for _, c := range r.Cells {
			n += c.N
		}
	}
	return n
}

func TestPaperTable1(t *testing.T) {
	p, err := PaperTable1()
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Rows) != 20 || p.Rows[0].Label != "VGG19" || p.Rows[1].Label != "VGG19+NeuRN" || p.Rows[19].Label != "ViT+NeuRN" {
		t.Fatalf("paper rows wrong: %d rows, first %q %q", len(p.Rows), p.Rows[0].Label, p.Rows[1].Label)
	}
	// VGG19+NeuRN M->U 74.2 > VGG19 70.9 (bold); U->M 48.4 < 66.2 (not bold).
	if c := p.Rows[1].Cells[0]; c.Mean != 74.2 || !p.Bolded(1, 0) || p.Bolded(1, 3) {
		t.Errorf("paper VGG19+NeuRN M->U %v, bold %v; U->M bold %v", c.Mean, p.Bolded(1, 0), p.Bolded(1, 3))
	}
	if c := p.Rows[0].Cells[11]; c.Mean != 22.5 {
		t.Errorf("paper VGG19 MM->S = %v, want 22.5", c.Mean)
	}
}

func TestProtocolTable(t *testing.T) {
	var rs []*RunResult
	for seed := uint64(1); seed <= 2; seed++ {
		for _, v := range []struct {
			k   int
			rc  bool
			usp float64
		}{{0, false, 0.78}, {3, false, 0.70}, {0, true, 0.85}, {3, true, 0.86}} {
			spec := RunSpec{Experiment: ExperimentProtocol, Model: ModelSpec{Name: DigitNetName, Width: 1, NeuRN: v.k, Classes: 10, Size: 32, Seed: seed},
				Source: data.DomainMNIST, Targets: ProtocolTargets(false, true), Seed: seed, Input: Input{Whiten: true}}
			if v.rc {
				spec.Input.RandConv = RCMix(10)
			}
			r := &RunResult{ID: spec.ID(), Spec: spec}
			for _, d := range spec.Targets {
				r.Targets = append(r.Targets, DomainResult{Domain: d, Accuracy: v.usp + 0.005*float64(seed)})
			}
			rs = append(rs, r)
		}
	}
	tab := BuildProtocolTable(rs[:7]) // NeuRN + RandConv has one seed
	want := []string{"ERM (ours, 2 seeds)", "NeuRN (ours, 2 seeds)", "RandConv (ours, 2 seeds)", "NeuRN + RandConv (ours, 1 seed)", "ERM (published)", "RandConv (published)", "Pro-RandConv (published)"}
	for i, w := range want {
		if tab.Rows[i].Label != w {
			t.Fatalf("row %d = %q, want %q", i, tab.Rows[i].Label, w)
		}
	}
	if tab.Columns[0] != "SVHN" || tab.Columns[2] != "SYN" || tab.ColumnNotes[2] == "" {
		t.Errorf("columns %v / notes %v: want SVHN first and SYN marked", tab.Columns, tab.ColumnNotes)
	}
	if tab.Rows[0].Cells[0].N != 0 {
		t.Error("no SVHN results: the SVHN cell of ours should be empty")
	}
	usps := 3
	if !tab.Bolded(2, usps) || tab.Bolded(1, usps) {
		t.Error("RandConv (85.75 +- 0.35) should be bold against ERM (78.75 +- 0.35); NeuRN (70.75) not")
	}
	md := tab.Markdown()
	for _, s := range []string{"| ERM (published) | 32.52 | 54.92 | 42.34 | 78.21 | – |", "not comparable", "**85.75 ± 0.35**"} {
		if !strings.Contains(md, s) {
			t.Errorf("protocol Markdown lacks %q:\n%s", s, md)
		}
	}
}

// Runs of one row that differ in more than seed and source (here one seed from a CIFAR-27 run,
// the other from fresh weights) are named in a warning: their spread is not over seeds.
func TestTable1WarnsOfMixedSettings(t *testing.T) {
	warning := func(tab *Table) string {
		for _, n := range tab.Notes {
			if strings.HasPrefix(n, "Warning:") {
				return n
			}
		}
		return ""
	}
	results := twoSeedResults()
	if w := warning(BuildTable1(results)); w != "" {
		t.Fatalf("seeds of one setting gave a warning: %s", w)
	}
	// A profile may train each source on its own number of images: not a mix.
	for _, r := range results {
		if r.Spec.Source == data.DomainUSPS {
			r.Spec.Training.TrainImages = 6562
		}
	}
	if w := warning(BuildTable1(results)); w != "" {
		t.Fatalf("per-source training sizes gave a warning: %s", w)
	}
	for _, r := range results {
		if r.Spec.Model.Name == "vgg19" && r.Spec.Model.NeuRN == 3 && r.Spec.Seed == 2 {
			r.Spec.Init = "runs/cifar27-vgg19-neurn3-quick"
		}
	}
	w := warning(BuildTable1(results))
	if !strings.Contains(w, "VGG19+NeuRN (2)") || strings.Contains(w, "VGG19 (") || strings.Contains(w, "RandConv") {
		t.Fatalf("warning %q, want it to name VGG19+NeuRN (2 settings) alone", w)
	}
}

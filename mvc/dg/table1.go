package dg

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc/data"
)

// Transfer is one column of Table 1: train on Source, test on Target (Table 1's codes).
type Transfer struct{ Source, Target string }

// String is "M->U".
func (t Transfer) String() string { return t.Source + "->" + t.Target }

// Table1Columns are Table 1's columns in the paper's order (decoded from its garbled header and
// checked against its text): M->U, M->S, M->MM, U->M, U->S, U->MM,
// S->M, S->U, S->MM, MM->M, MM->U, MM->S.
var Table1Columns = []Transfer{
	{"M", "U"}, {"M", "S"}, {"M", "MM"},
	{"U", "M"}, {"U", "S"}, {"U", "MM"},
	{"S", "M"}, {"S", "U"}, {"S", "MM"},
	{"MM", "M"}, {"MM", "U"}, {"MM", "S"},
}

// PaperModel is one architecture of Table 1: the zoo's name and the paper's spelling.
type PaperModel struct{ Name, Paper string }

// Table1Models are Table 1's ten architectures in the paper's row order.
var Table1Models = []PaperModel{
	{"vgg19", "VGG19"}, {"efficientnetb0", "EfficientNetB0"}, {"densenet121", "DenseNet121"},
	{"shufflenetv2", "ShuffleNet"}, {"xception", "Xception"}, {"nasnetmobile", "NASNetMobile"},
	{"resnet50v2", "ResNet50v2"}, {"inceptionv3", "Inceptionv3"}, {"mobilenetv2", "MobileNetv2"},
	{"vit", "ViT"},
}

// PaperName returns the paper's spelling of a zoo name (the name itself when the paper has none).
func PaperName(name string) string {
	for _, m := range Table1Models {
		if m.Name == name {
			return m.Paper
		}
	}
	if name == DigitNetName {
		return "DigitNet"
	}
	return name
}

// variantOrder sorts rows of one model: the bare model first, then +NeuRN, +RandConv and
// +NeuRN+RandConv.
func variantOrder(v string) int {
	switch {
	case v == "":
		return 0
	case v == "+RandConv":
		return 2
	case strings.HasSuffix(v, "+RandConv"):
		return 3
	}
	return 1
}

// rowKey groups results into rows.
type rowKey struct{ model, variant string }

// BuildTable1 aggregates results into Table 1: one row per model and variant (models in
// Table1Models' order, others after them in order of appearance; the bare model, then +NeuRN,
// +RandConv, +NeuRN+RandConv), the 12 transfers as columns, each cell the mean +- sd over the
// results' seeds of the target test accuracy in percent. A row is bolded against its model's
// bare row by [BeatsBeyondSpread]. The notes say which S domain the results used.
func BuildTable1(results []*RunResult) *Table {
	t := &Table{Title: "Table 1 (this repository): target test accuracy (%), mean ± sd over seeds", Bold: BoldBeyondSpread}
	for _, c := range Table1Columns {
		t.Columns = append(t.Columns, c.String())
	}
	sDomains := t.fillRows(results, len(Table1Columns), func(src string, tr DomainResult) int {
		if tr.Domain == src {
			return -1
		}
		return slices.Index(Table1Columns, Transfer{DomainCode(src), tr.Code})
	})
	t.Notes = append(t.Notes, sNote(sDomains)...)
	t.Notes = append(t.Notes, "Bold: the row beats its model's bare row beyond the seeds' spread, mean(row) - mean(base) > sd(row) + sd(base), "+
		"with sd the sample standard deviation over seeds; with fewer than two seeds nothing is bold.")
	t.Notes = append(t.Notes, mixedNotes(results)...)
	return t
}

// InDomainTargets are the least in-domain test accuracies (%) a trained model should reach on
// each source (Table 1's codes): a model below them has not learned its source, and its
// transfers say little.
var InDomainTargets = map[string]float64{CodeMNIST: 95, CodeUSPS: 90, CodeSVHN: 80, CodeMNISTM: 80}

// BuildInDomain aggregates results into the in-domain companion of Table 1: the same rows, one
// column per source (M, U, S, MM), each cell the mean +- sd over seeds of the test accuracy on
// the source's own test split, with the target each source should reach ([InDomainTargets]).
func BuildInDomain(results []*RunResult) *Table {
	codes := []string{CodeMNIST, CodeUSPS, CodeSVHN, CodeMNISTM}
	t := &Table{Title: "In-domain test accuracy (%) of the same runs: trained and tested on the source, mean ± sd over seeds", Bold: BoldNone}
	for _, c := range codes {
		t.Columns = append(t.Columns, c+"->"+c)
		t.ColumnNotes = append(t.ColumnNotes, fmt.Sprintf("target ≥ %.0f", InDomainTargets[c]))
	}
	sDomains := t.fillRows(results, len(codes), func(src string, tr DomainResult) int {
		if tr.Domain != src {
			return -1
		}
		return slices.Index(codes, tr.Code)
	})
	t.Notes = append(t.Notes, sNote(sDomains)...)
	return t
}

// InDomainShortfalls lists the cells of an in-domain table ([BuildInDomain]) whose mean is below
// its source's target, as "VGG19+NeuRN on MM: 71.3% (target 80%)".
func InDomainShortfalls(t *Table) []string {
	var out []string
	for _, r := range t.Rows {
		for j, c := range r.Cells {
			code, _, _ := strings.Cut(t.Columns[j], "->")
			if c.N > 0 && c.Mean < InDomainTargets[code] {
				out = append(out, fmt.Sprintf("%s on %s: %.1f%% (target %.0f%%)", r.Label, code, c.Mean, InDomainTargets[code]))
			}
		}
	}
	return out
}

// fillRows aggregates results into rows (models in Table1Models' order, others after them in
// order of appearance; the bare model, then +NeuRN, +RandConv, +NeuRN+RandConv) of ncol cells;
// col places a target's accuracy of a run on source src (-1: not tabulated). It returns the S
// domains seen.
func (t *Table) fillRows(results []*RunResult, ncol int, col func(src string, tr DomainResult) int) map[string]bool {
	var keys []rowKey
	cells := map[rowKey][]Stat{}
	sDomains := map[string]bool{}
	for _, r := range results {
		k := rowKey{r.Spec.Model.Name, r.Spec.Variant()}
		if _, ok := cells[k]; !ok {
			keys = append(keys, k)
			cells[k] = make([]Stat, ncol)
		}
		if DomainCode(r.Spec.Source) == CodeSVHN {
			sDomains[r.Spec.Source] = true
		}
		for _, tr := range r.Targets {
			if tr.Code == CodeSVHN {
				sDomains[tr.Domain] = true
			}
			if j := col(r.Spec.Source, tr); j >= 0 {
				cells[k][j].Add(100*tr.Accuracy, r.ID)
			}
		}
	}
	modelRank := func(name string) int {
		if i := slices.IndexFunc(Table1Models, func(m PaperModel) bool { return m.Name == name }); i >= 0 {
			return i
		}
		return len(Table1Models) + slices.IndexFunc(keys, func(k rowKey) bool { return k.model == name })
	}
	slices.SortStableFunc(keys, func(a, b rowKey) int {
		if ra, rb := modelRank(a.model), modelRank(b.model); ra != rb {
			return ra - rb
		}
		return variantOrder(a.variant) - variantOrder(b.variant)
	})
	for _, k := range keys {
		base := slices.Index(keys, rowKey{k.model, ""})
		if k.variant == "" {
			base = -1
		}
		t.Rows = append(t.Rows, Row{Label: PaperName(k.model) + k.variant, Model: k.model, Variant: k.variant, Base: base, Cells: cells[k]})
	}
	return sDomains
}

// sNote says which domain the S columns hold.
func sNote(sDomains map[string]bool) []string {
	switch {
	case sDomains[data.DomainSYN] && sDomains[data.DomainSVHN]:
		return []string{"S = SVHN for some runs and SYN (SVHN stand-in) for others: see each run's file."}
	case sDomains[data.DomainSYN]:
		return []string{"S = " + data.SYNLabel + ": the SVHN files were not available, so S columns are SYN digits generated by package data, not SVHN."}
	case sDomains[data.DomainSVHN]:
		return []string{"S = SVHN (the official train_32x32.mat and test_32x32.mat)."}
	}
	return nil
}

// mixedNotes warns of rows whose runs differ in more than seed and source.
func mixedNotes(results []*RunResult) []string {
	mixed := mixedSettings{}
	for _, r := range results {
		mixed.add(PaperName(r.Spec.Model.Name)+r.Spec.Variant(), r.Spec)
	}
	return mixed.notes()
}

//go:embed table1_paper.csv
var paperTable1CSV string

// PaperTable1CSV returns the paper's Table 1 as published (accuracy %, rows "VGG19+NeuRN",
// "VGG19", ...).
func PaperTable1CSV() string { return paperTable1CSV }

// PaperTable1 returns the paper's own Table 1 as a [Table] in the same layout as
// [BuildTable1]'s (the bare model, then +NeuRN), bolding +NeuRN cells greater than the bare
// model's (the paper gives single numbers, no spread).
func PaperTable1() (*Table, error) {
	recs, err := csv.NewReader(strings.NewReader(paperTable1CSV)).ReadAll()
	if err != nil {
		return nil, errors.Wrap(err, "dg: the embedded table1_paper.csv")
	}
	if len(recs) < 2 || len(recs[0]) != 1+len(Table1Columns) {
		return nil, errors.Errorf("dg: table1_paper.csv: want a header and %d columns", 1+len(Table1Columns))
	}
	for j, c := range Table1Columns {
		if recs[0][j+1] != c.String() {
			return nil, errors.Errorf("dg: table1_paper.csv: column %d is %q, want %q", j+1, recs[0][j+1], c)
		}
	}
	byLabel := map[string][]Stat{}
	for _, rec := range recs[1:] {
		var cells []Stat
		for _, f := range rec[1:] {
			v, err := strconv.ParseFloat(f, 64)
			if err != nil {
				return nil, errors.Wrapf(err, "dg: table1_paper.csv row %s", rec[0])
			}
			var s Stat
			s.Add(v, "paper")
			cells = append(cells, s)
		}
		byLabel[rec[0]] = cells
	}
	t := &Table{Title: "Table 1 as published (Qazi, Jalil, Iqbal): target test accuracy (%)", Bold: BoldGreater}
	for _, c := range Table1Columns {
		t.Columns = append(t.Columns, c.String())
	}
	for _, m := range Table1Models {
		base, ok1 := byLabel[m.Paper]
		nr, ok2 := byLabel[m.Paper+"+NeuRN"]
		if !ok1 || !ok2 {
			return nil, errors.Errorf("dg: table1_paper.csv lacks %s or %s+NeuRN", m.Paper, m.Paper)
		}
		i := len(t.Rows)
		t.Rows = append(t.Rows, Row{Label: m.Paper, Model: m.Name, Base: -1, Cells: base},
			Row{Label: m.Paper + "+NeuRN", Model: m.Name, Variant: "+NeuRN", Base: i, Cells: nr})
	}
	t.Notes = append(t.Notes, "Bold: +NeuRN above the bare model (the paper reports single numbers, without spread). S = SVHN in the paper.")
	return t, nil
}

// mixedSettings finds the rows of a table whose runs of one source differ in more than seed
// (initial weights, width, data sizes, training): a cell would average unlike runs as if they
// were seeds. Runs of different sources may differ (a profile sets training-set sizes per
// source). A store holding the runs of two profiles, or of --init none beside the CIFAR-27
// chain, does that when all its results are tabulated (Store.All); "mvc dg" tabulates one
// plan's runs. Keyed by row, then source, then the settings' hash.
type mixedSettings map[string]map[string]map[string]bool

// add records the setting of one run of row.
func (m mixedSettings) add(row string, s RunSpec) {
	source := s.Source
	s.Seed, s.Model.Seed, s.Source = 0, 0, ""
	if m[row] == nil {
		m[row] = map[string]map[string]bool{}
	}
	if m[row][source] == nil {
		m[row][source] = map[string]bool{}
	}
	m[row][source][s.Hash()] = true
}

// notes says which rows mix settings within a source, with the most settings any of their
// sources has, in row-name order; nil when none does.
func (m mixedSettings) notes() []string {
	var rows []string
	for row, sources := range m {
		most := 0
		for _, settings := range sources {
			most = max(most, len(settings))
		}
		if most > 1 {
			rows = append(rows, fmt.Sprintf("%s (%d)", row, most))
		}
	}
	if rows == nil {
		return nil
	}
	slices.Sort(rows)
	return []string{"Warning: these rows average runs of different settings (initial weights, width, data sizes or training, " +
		"not only seeds), so their spreads are not over seeds: " + strings.Join(rows, ", ") +
		". Tabulate one profile's runs (`mvc dg --profile ... --tables-only`) or see each run's file."}
}

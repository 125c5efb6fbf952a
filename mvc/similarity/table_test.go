package similarity

import (
	"bytes"
	"encoding/csv"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/mice2machines/mice2machines/mvc/allen"
	"github.com/mice2machines/mice2machines/mvc/represent"
)

func randomMap(rng *rand.Rand, h, w int) Map {
	m := Map{h, w, make([]float64, h*w)}
	for i := range m.Values {
		m.Values[i] = rng.NormFloat64()
	}
	return m
}

// tableInput builds 12 cells (VISal, VISp x Sst, Cux2 x 3) whose 6x6 maps are a shared pattern
// plus noise, a plain "net" with random 3x3 kernels, a "net"+NeuRN whose kernels are the
// pattern shrunk to 3x3 plus a little noise (so it should win clearly for every cell), and an
// unpaired "solo" model.
func tableInput() Input {
	rng := rand.New(rand.NewPCG(21, 22))
	var in Input
	in.Provenance = "test fixture, seed 21"
	pattern := randomMap(rng, 6, 6)
	for _, area := range []string{"VISal", "VISp"} {
		for _, cre := range []string{"Sst", "Cux2"} {
			for range 3 {
				m := randomMap(rng, 6, 6)
				for i := range m.Values {
					m.Values[i] = pattern.Values[i] + 0.6*m.Values[i]
				}
				in.Cells = append(in.Cells, Cell{ID: string(rune('a' + len(in.Cells))), Area: area, Cre: cre, Map: m})
			}
		}
	}
	base := Model{Name: "net"}
	neurn := Model{Name: "net", NeuRN: true}
	solo := Model{Name: "solo"}
	for range 5 {
		base.Kernels = append(base.Kernels, randomMap(rng, 3, 3))
		solo.Kernels = append(solo.Kernels, randomMap(rng, 3, 3))
		k, _ := Resize(pattern, 3, 3)
		for j := range k.Values {
			k.Values[j] += 0.05 * rng.NormFloat64()
		}
		neurn.Kernels = append(neurn.Kernels, k)
	}
	in.Models = []Model{base, neurn, solo}
	return in
}

func smallOptions() Options {
	o := DefaultOptions()
	o.Bootstrap.Resamples = 200
	return o
}

func TestAggregateValues(t *testing.T) {
	in := tableInput()
	table, err := Aggregate(in, smallOptions())
	if err != nil {
		t.Fatal(err)
	}
	const groupsPerModel = 1 + 2 + 2 + 2 + 4
	if len(table.Rows) != 3*groupsPerModel {
		t.Fatalf("%d rows, want %d", len(table.Rows), 3*groupsPerModel)
	}
	// Mean RMSE by hand with the public RMSE, for every row of the plain model.
	for _, r := range table.Rows {
		m := map[string]int{"net": 0, "solo": 2}[r.Model]
		if r.NeuRN {
			m = 1
		}
		var sum float64
		n := 0
		for _, c := range in.Cells {
			class := creClassCode(c.Cre)
			if (r.Area != All && r.Area != c.Area) || (r.Cre != All && r.Cre != c.Cre) || (r.Class != All && r.Class != class) {
				continue
			}
			n++
			for _, k := range in.Models[m].Kernels {
				v, err := RMSE(k, c.Map)
				if err != nil {
					t.Fatal(err)
				}
				sum += v
			}
		}
		if r.NCells != n || r.NKernels != 5 {
			t.Errorf("row %+v: n_cells %d n_kernels %d, want %d and 5", r.Group, r.NCells, r.NKernels, n)
		}
		near(t, "mean RMSE "+r.Model+" "+r.Level, r.MeanRMSE, sum/float64(n*5), 1e-12)
		if !(r.CILow <= r.MeanRMSE && r.MeanRMSE <= r.CIHigh) || r.CIHigh-r.CILow <= 0 {
			t.Errorf("row %s %+v: interval [%v, %v] around %v", r.Model, r.Group, r.CILow, r.CIHigh, r.MeanRMSE)
		}
	}
	// Row order and lookup.
	if g := table.Rows[0].Group; g != (Group{LevelAll, All, All, All}) {
		t.Errorf("first row group %+v", g)
	}
	r, ok := table.Row("net", false, Group{LevelAreaCre, "VISp", "Cux2", allen.Excitatory.Code()})
	if !ok || r.NCells != 3 {
		t.Errorf("row lookup: %+v %v", r, ok)
	}
	// CKA and RSA over positions for each Cre line's cells against the plain model's kernels,
	// by hand with the public functions; RSA is nil where a position is constant across cells.
	transpose := func(maps [][]float64) [][]float64 {
		out := make([][]float64, len(maps[0]))
		for p := range out {
			for _, m := range maps {
				out[p] = append(out[p], m[p])
			}
		}
		return out
	}
	var kernels [][]float64
	for _, k := range in.Models[0].Kernels {
		kernels = append(kernels, MinMaxScale(k.Values))
	}
	definedRSA := 0
	for _, cre := range []string{"Cux2", "Sst"} {
		var cells [][]float64
		for _, c := range in.Cells {
			if c.Cre == cre {
				m, _ := Resize(c.Map, 3, 3)
				cells = append(cells, MinMaxScale(m.Values))
			}
		}
		wantCKA, err := LinearCKA(transpose(cells), transpose(kernels))
		if err != nil {
			t.Fatal(err)
		}
		r, _ := table.Row("net", false, Group{LevelCre, All, cre, creClassCode(cre)})
		if r.CKA == nil {
			t.Fatalf("%s row has no CKA: %+v", cre, r)
		}
		near(t, "table CKA "+cre, *r.CKA, wantCKA, 1e-12)
		wantRSA, err := RSA(transpose(cells), transpose(kernels))
		switch {
		case err != nil && r.RSA != nil:
			t.Errorf("%s: RSA %v in the table, undefined by hand (%v)", cre, *r.RSA, err)
		case err == nil && r.RSA == nil:
			t.Errorf("%s: no RSA in the table, %v by hand", cre, wantRSA)
		case err == nil:
			definedRSA++
			near(t, "table RSA "+cre, *r.RSA, wantRSA, 1e-12)
		}
	}
	if definedRSA == 0 {
		t.Error("the fixture defines no RSA value: the check above checked nothing")
	}

	// Comparisons: "net" and the pooled one, each over 11 groups.
	if len(table.Comparisons) != 2*groupsPerModel {
		t.Fatalf("%d comparisons, want %d", len(table.Comparisons), 2*groupsPerModel)
	}
	c, ok := table.Comparison("net", Group{LevelAll, All, All, All})
	if !ok {
		t.Fatal("no overall comparison for net")
	}
	base, _ := table.Row("net", false, Group{LevelAll, All, All, All})
	neurn, _ := table.Row("net", true, Group{LevelAll, All, All, All})
	near(t, "comparison base mean", c.MeanBase, base.MeanRMSE, 1e-12)
	near(t, "comparison NeuRN mean", c.MeanNeuRN, neurn.MeanRMSE, 1e-12)
	near(t, "comparison difference", c.MeanDiff, neurn.MeanRMSE-base.MeanRMSE, 1e-12)
	// NeuRN kernels are the cells' own maps: lower RMSE for every cell, so p is the smallest an
	// exact test over 2^12 patterns gives, 2/4096.
	if c.MeanDiff >= 0 || c.CIHigh >= 0 || !c.Exact || c.P != 2.0/4096 {
		t.Errorf("overall comparison %+v: want a negative difference, CI below 0, exact p = 2/4096", c)
	}
	pooled, _ := table.Comparison(All, Group{LevelAll, All, All, All})
	near(t, "pooled over one architecture", pooled.MeanDiff, c.MeanDiff, 1e-12)
	// Holm within the area family (2 tests): adjusted >= raw.
	for _, cmp := range table.Comparisons {
		if cmp.PHolm < cmp.P || cmp.PHolm > 1 {
			t.Errorf("Holm-adjusted p %v against raw %v", cmp.PHolm, cmp.P)
		}
	}
}

func TestAggregateDeterministicAcrossGOMAXPROCS(t *testing.T) {
	in := tableInput()
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	one, err := Aggregate(in, smallOptions())
	if err != nil {
		t.Fatal(err)
	}
	runtime.GOMAXPROCS(4)
	four, _ := Aggregate(in, smallOptions())
	if !reflect.DeepEqual(one, four) {
		t.Error("tables differ between GOMAXPROCS 1 and 4")
	}
}

func TestTableSaveAndLoad(t *testing.T) {
	table, err := Aggregate(tableInput(), smallOptions())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	paths, err := table.Save(dir, DefaultTableName)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 5 {
		t.Fatalf("wrote %v", paths)
	}
	loaded, err := LoadTable(filepath.Join(dir, DefaultTableName+".json"))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(loaded, table) {
		t.Error("table changed through JSON")
	}
	raw, err := os.ReadFile(filepath.Join(dir, DefaultTableName+".csv"))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(table.Rows)+1 || recs[0][8] != "mean_rmse" || recs[0][len(recs[0])-1] != "rsa" {
		t.Errorf("rows CSV: %d records, header %v, first %v", len(recs), recs[0], recs[1])
	}
	prov, err := os.ReadFile(filepath.Join(dir, DefaultTableName+".provenance.txt"))
	if err != nil || !strings.HasPrefix(string(prov), "test fixture, seed 21\n") || !strings.Contains(string(prov), "permutation") {
		t.Errorf("provenance file: %v\n%s", err, prov)
	}
	raw, _ = os.ReadFile(filepath.Join(dir, DefaultTableName+"_neurn_vs_base.csv"))
	if n := strings.Count(string(raw), "\n"); n != len(table.Comparisons)+1 {
		t.Errorf("comparisons CSV has %d lines, want %d", n, len(table.Comparisons)+1)
	}
	if _, err := LoadTable(filepath.Join(dir, DefaultTableName+".csv")); err == nil {
		t.Error("loading CSV as JSON: no error")
	}
}

func TestAggregateRejectsBadInput(t *testing.T) {
	cases := map[string]func(in *Input){
		"no cells":         func(in *Input) { in.Cells = nil },
		"no models":        func(in *Input) { in.Models = nil },
		"no area":          func(in *Input) { in.Cells[0].Area = "" },
		"class mismatch":   func(in *Input) { in.Cells[0].Class = "E" }, // cell 0 is Sst
		"bad class":        func(in *Input) { in.Cells[0].Class = "X" },
		"unknown cre":      func(in *Input) { in.Cells[0].Cre = "Foo" },
		"duplicate id":     func(in *Input) { in.Cells[1].ID = in.Cells[0].ID },
		"duplicate model":  func(in *Input) { in.Models[2].Name = "net" },
		"no kernels":       func(in *Input) { in.Models[0].Kernels = nil },
		"bad kernel":       func(in *Input) { in.Models[0].Kernels[0].Values[0] = math.NaN() },
		"bad cell map":     func(in *Input) { in.Cells[0].Map.Width = 5 },
		"reserved area":    func(in *Input) { in.Cells[0].Area = All },
		"model named all":  func(in *Input) { in.Models[0].Name = All },
		"empty model name": func(in *Input) { in.Models[0].Name = "" },
	}
	for name, mutate := range cases {
		in := tableInput()
		mutate(&in)
		if _, err := Aggregate(in, smallOptions()); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// An unknown Cre line is fine with an explicit class.
	in := tableInput()
	in.Cells[0].Cre, in.Cells[0].Class = "Foo", "inhibitory"
	if _, err := Aggregate(in, smallOptions()); err != nil {
		t.Errorf("unknown Cre line with a class: %v", err)
	}
	bad := smallOptions()
	bad.Bootstrap.Resamples = 0
	if _, err := Aggregate(tableInput(), bad); err == nil {
		t.Error("zero resamples: no error")
	}
}

func TestCellsFromResultAndMapsFromFloat32(t *testing.T) {
	res := &represent.Result{File: "x.nwb", Height: 1, Width: 2,
		Metadata: &allen.Metadata{ExperimentID: 7, Area: "VISpm", CreLine: "Vip", Class: allen.Inhibitory},
		Cells:    []represent.Cell{{SpecimenID: 11, Map: []float64{1, 2}}, {SpecimenID: 12, Map: []float64{3, 1}}}}
	cells, err := CellsFromResult(res)
	if err != nil {
		t.Fatal(err)
	}
	want := Cell{ID: "7/12", Area: "VISpm", Cre: "Vip", Class: allen.Inhibitory.Code(), Map: Map{1, 2, []float64{3, 1}}}
	if len(cells) != 2 || !reflect.DeepEqual(cells[1], want) {
		t.Errorf("cells %+v, want second %+v", cells, want)
	}
	res.Metadata.CreLine, res.Metadata.Class = "Foo", allen.UnknownClass
	if _, err := CellsFromResult(res); err == nil {
		t.Error("unknown Cre line and class: no error")
	}
	res.Metadata.Class = allen.Excitatory
	if cells, err := CellsFromResult(res); err != nil || cells[0].Class != allen.Excitatory.Code() {
		t.Errorf("unknown Cre line with a class: %v %v", cells, err)
	}
	maps, err := MapsFromFloat32([]float32{1, 2, 3, 4, 5, 6}, 3, 1, 2)
	if err != nil || len(maps) != 3 || maps[2].Values[1] != 6 || maps[1].Width != 2 {
		t.Errorf("maps %+v, %v", maps, err)
	}
	if _, err := MapsFromFloat32([]float32{1, 2, 3}, 2, 1, 2); err == nil {
		t.Error("short values: no error")
	}
}

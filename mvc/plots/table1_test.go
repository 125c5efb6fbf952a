package plots

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/mice2machines/mice2machines/mvc/dg"
	"github.com/mice2machines/mice2machines/mvc/similarity"
)

func stat(values ...float64) dg.Stat {
	var s dg.Stat
	for _, v := range values {
		s.Add(v, "run")
	}
	return s
}

func TestWelchDiff(t *testing.T) {
	// Two samples of 3 with sd 1 each, 2 apart: se = sqrt(2/3), df = 4, t(0.975, 4) = 2.776.
	d := WelchDiff(stat(11, 12, 13), stat(9, 10, 11))
	half := 2.7764451 * math.Sqrt(2.0/3)
	if math.Abs(d.Mean-2) > 1e-12 || math.Abs(d.Low-(2-half)) > 1e-5 || math.Abs(d.High-(2+half)) > 1e-5 {
		t.Errorf("WelchDiff = %+v, want 2 ± %.5f", d, half)
	}
	if d := WelchDiff(stat(5, 5), stat(4, 4)); d.Low != 1 || d.High != 1 {
		t.Errorf("no spread: %+v, want [1, 1]", d)
	}
	if d := WelchDiff(stat(5), stat(4, 4)); !math.IsNaN(d.Low) || d.Mean != 1 {
		t.Errorf("one seed: %+v, want no interval", d)
	}
}

func TestTable1Differences(t *testing.T) {
	paper, err := dg.PaperTable1()
	if err != nil {
		t.Fatal(err)
	}
	results, err := dg.Store{Dir: filepath.Join("..", "..", "figures", "dg", dg.ExperimentTable1)}.All()
	if err != nil || len(results) == 0 {
		t.Skipf("no committed Table 1 runs: %v", err)
	}
	fig, err := Table1Differences(dg.BuildTable1(results), paper, Table1Caption(len(results)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fig.Render("png"); err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("MVC_LOOK_DIR"); dir != "" {
		if _, err := fig.Save(dir, Table1DiffName); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Table1Differences(&dg.Table{Columns: []string{"M->U"}}, nil, ""); err == nil {
		t.Error("a table without +NeuRN rows: want an error")
	}
	if _, err := Table1Differences(nil, paper, ""); err == nil {
		t.Error("nil table: want an error")
	}
}

func TestMapPair(t *testing.T) {
	a := similarity.Map{Height: 2, Width: 3, Values: []float64{0, 1, 2, 3, 4, 5}}
	b := similarity.Map{Height: 3, Width: 3, Values: []float64{1, 0, 1, 0, 1, 0, 1, 0, 1}}
	fig, err := MapPair(a, b, "cell", "kernel", "a pair", "caption")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fig.Render("png"); err != nil {
		t.Fatal(err)
	}
	if _, err := MapPair(similarity.Map{Height: 2, Width: 2}, b, "", "", "", ""); err == nil {
		t.Error("a map without values: want an error")
	}
}

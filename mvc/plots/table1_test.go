package plots

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mice2machines/mice2machines/mvc/dg"
	"github.com/mice2machines/mice2machines/mvc/similarity"
)

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

func TestSaveTable1Differences(t *testing.T) {
	results, err := dg.Store{Dir: filepath.Join("..", "..", "figures", "dg", dg.ExperimentTable1)}.All()
	if err != nil || len(results) == 0 {
		t.Skipf("no committed Table 1 runs: %v", err)
	}
	dir := t.TempDir()
	paths, err := SaveTable1Differences(dir, results)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{Table1DiffName + ".png", Table1DiffName + ".svg", Table1DiffName + Table1CaptionExt}
	if len(paths) != len(want) {
		t.Fatalf("wrote %v, want %v", paths, want)
	}
	for i, p := range paths {
		if filepath.Base(p) != want[i] {
			t.Errorf("path %d = %s, want %s", i, p, want[i])
		}
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Errorf("%s: missing or empty (%v)", p, err)
		}
	}
	caption, _ := os.ReadFile(paths[2])
	if !strings.Contains(string(caption), fmt.Sprintf("%d committed runs", len(results))) {
		t.Errorf("caption %q does not count the %d runs", caption, len(results))
	}
	// Only bare runs: nothing to draw, nothing written.
	var bare []*dg.RunResult
	for _, r := range results {
		if r.Spec.Model.NeuRN == 0 {
			bare = append(bare, r)
		}
	}
	empty := t.TempDir()
	if paths, err := SaveTable1Differences(empty, bare); err != nil || len(paths) != 0 {
		t.Errorf("bare runs only: got %v, %v; want nothing written and no error", paths, err)
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

package comparison_test

import (
	"fmt"
	"log"
	"os"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/allen"
	"github.com/mice2machines/mice2machines/mvc/comparison"
)

// Example runs the smoke comparison on a tiny simulated survey (2 areas x 2 Cre lines, 6 cells
// each) with DigitNet's untrained kernels, and saves the table and figures.
func Example() {
	dir, _ := os.MkdirTemp("", "comparison-example")
	defer os.RemoveAll(dir)
	o := allen.DefaultSimOptions()
	o.Areas, o.CreLines = []string{"VISal", "VISpm"}, []string{"Cux2", "Sst"}
	o.Cells, o.Images, o.Trials, o.BlankSweeps = 6, 12, 5, 5
	o.Height, o.Width, o.Stimulus = 23, 30, allen.StimulusPink
	survey, err := allen.SimulateSurvey(dir, o, nil)
	if err != nil {
		log.Fatal(err)
	}
	p, _ := comparison.LookupProfile("smoke")
	res, err := comparison.Run(comparison.SurveyFiles(survey), comparison.SurveyDescription(survey),
		comparison.Options{Profile: p, Backend: mvc.MustBackend(), Seed: 42})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d cells read, %d selected\n", res.AllCells, len(res.Cells))
	for _, k := range res.Models {
		fmt.Printf("%s: %d of %d kernel maps %dx%d, trained %v\n", k.Label(), len(k.Selected), len(k.All), k.Shape[0], k.Shape[1], k.Trained)
	}
	fmt.Printf("%d rows, %d NeuRN vs base comparisons\n", len(res.Table.Rows), len(res.Table.Comparisons))
	paths, notes, err := comparison.SaveFigures(res, dir)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d files written, %d figures skipped\n", len(paths), len(notes))
	// Output:
	// 24 cells read, 24 selected
	// digitnet: 20 of 24 kernel maps 5x5, trained false
	// digitnet+NeuRN: 20 of 24 kernel maps 5x5, trained false
	// 22 rows, 22 NeuRN vs base comparisons
	// 20 files written, 0 figures skipped
}

// ExampleCached computes a comparison once and reuses it: the second call reads the result
// that the first kept in the cache folder, as the notebooks and "mvc reproduce" do.
func ExampleCached() {
	dir, _ := os.MkdirTemp("", "comparison-cached")
	defer os.RemoveAll(dir)
	o := allen.DefaultSimOptions()
	o.Areas, o.CreLines = []string{"VISal", "VISpm"}, []string{"Cux2", "Sst"}
	o.Cells, o.Images, o.Trials, o.BlankSweeps = 6, 12, 5, 5
	o.Height, o.Width, o.Stimulus = 23, 30, allen.StimulusPink
	survey, err := allen.SimulateSurvey(dir, o, nil)
	if err != nil {
		log.Fatal(err)
	}
	p, _ := comparison.LookupProfile("smoke")
	opts := comparison.Options{Profile: p, Backend: mvc.MustBackend(), Seed: 42, CacheDir: dir + "/cache"}
	first, err := comparison.Cached(comparison.SurveyFiles(survey), comparison.SurveyDescription(survey), opts)
	if err != nil {
		log.Fatal(err)
	}
	again, err := comparison.Cached(comparison.SurveyFiles(survey), comparison.SurveyDescription(survey), opts)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("same result:", again.Computed.Equal(first.Computed), len(again.Table.Rows) == len(first.Table.Rows))
	// Output:
	// same result: true true
}

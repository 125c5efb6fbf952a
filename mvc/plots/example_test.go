package plots_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mice2machines/mice2machines/mvc/plots"
)

// Builds figures/neurn_examples (here in a temporary directory) from the real MNIST test digits
// shipped with the GoMNIST module and the seeded synthetic images.
func ExampleNeuRNExamples() {
	fig, err := plots.NeuRNExamples(plots.DefaultNeuRNExamplesOptions())
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	grid := fig.Content.(*plots.ImageGrid)
	fmt.Printf("%d rows x %d columns: %s\n", grid.Rows(), grid.Cols(), strings.Join(grid.ColumnTitles, " | "))
	fmt.Println("first row:", strings.ReplaceAll(grid.RowLabels[0], "\n", ", "))
	w, h := fig.PixelSize()
	fmt.Printf("PNG: %d x %d pixels\n", w, h)

	dir, err := os.MkdirTemp("", "plots-example-")
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	defer func() { _ = os.RemoveAll(dir) }()
	paths, err := fig.Save(dir, plots.NeuRNExamplesName)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	for _, p := range paths {
		fmt.Println("wrote", filepath.Base(p))
	}
	// Output:
	// 7 rows x 4 columns: input | NeuRN k=3 | NeuRN k=5 | NeuRN k=7
	// first row: MNIST test #0 (real), digit 7
	// PNG: 968 x 1307 pixels
	// wrote neurn_examples.png
	// wrote neurn_examples.svg
}

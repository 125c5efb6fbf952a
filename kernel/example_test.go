package kernel_test

import (
	"fmt"

	"github.com/mice2machines/mice2machines/kernel"
)

// ExampleTable shows a results table: as HTML in a notebook; here, outside one, as markdown.
func ExampleTable() {
	t := kernel.Table{
		Header: []string{"model", "first conv"},
		Rows:   [][]string{{"digitnet", "5x5x3x64"}, {"resnet18", "7x7x3x64"}},
	}
	fmt.Print(t.Markdown())
	// Output:
	// | model | first conv |
	// |---|---|
	// | digitnet | 5x5x3x64 |
	// | resnet18 | 7x7x3x64 |
}

// ExampleShortCaption shows what a notebook prints under a figure: the caption's first sentence;
// the full caption, provenance included, is one click away (CaptionHTML's details block).
func ExampleShortCaption() {
	caption := "Figure S2: CIFAR-27 samples (Eq. 1, 3 per class). Data: $MVC_DATA/cifar10, seed 1."
	fmt.Println(kernel.ShortCaption(caption))
	fmt.Println(kernel.EscapeMarkdown("$MVC_DATA/cifar_10"))
	// Output:
	// Figure S2: CIFAR-27 samples (Eq. 1, 3 per class).
	// \$MVC\_DATA/cifar\_10
}

// ExampleMust handles a step's error in one line: the value when there is no error; otherwise
// the cell (or program) prints "error: ..." and ends.
func ExampleMust() {
	n := kernel.Must(fmt.Sscanf("k=5", "k=%d", new(int)))
	fmt.Println("values scanned:", n)
	// Output:
	// values scanned: 1
}

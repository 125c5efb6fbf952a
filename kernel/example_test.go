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

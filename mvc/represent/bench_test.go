package represent

import (
	"testing"

	"github.com/mice2machines/mice2machines/mvc/allen"
)

// BenchmarkFromFile computes the representations of the 10 cells of a default simulated file
// (118 templates of 46 x 59, 5,950 presentations) at the templates' size.
func BenchmarkFromFile(b *testing.B) {
	opts := allen.DefaultSimOptions()
	opts.Stimulus = allen.StimulusPink
	path, _ := simulate(b, opts, "VISp", "Cux2", nil)
	f, err := allen.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	for b.Loop() {
		if _, err := FromFile(f, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

package allen

import (
	"slices"
	"testing"
)

// TestCellClass checks the class codes the results tables write and the spellings read back,
// and that the Cre lines are ten excitatory then three inhibitory, in the tables' order.
func TestCellClass(t *testing.T) {
	for _, c := range []struct {
		class CellClass
		code  string
	}{{Excitatory, "E"}, {Inhibitory, "I"}, {UnknownClass, ""}, {CellClass("glial"), ""}} {
		if got := c.class.Code(); got != c.code {
			t.Errorf("%q.Code() = %q, want %q", c.class, got, c.code)
		}
	}
	for s, want := range map[string]CellClass{
		"E": Excitatory, "e": Excitatory, " excitatory ": Excitatory, "Excitatory": Excitatory,
		"I": Inhibitory, "inhibitory": Inhibitory, "INHIBITORY": Inhibitory,
		"": UnknownClass, "X": UnknownClass, "unknown": UnknownClass,
	} {
		if got := ParseCellClass(s); got != want {
			t.Errorf("ParseCellClass(%q) = %q, want %q", s, got, want)
		}
	}
	genes := CreLineGenes()
	want := []string{"Emx1", "Slc17a7", "Cux2", "Rorb", "Scnn1a", "Nr5a1", "Rbp4", "Fezf2", "Tlx3", "Ntsr1", "Sst", "Vip", "Pvalb"}
	if !slices.Equal(genes, want) {
		t.Errorf("CreLineGenes() = %v, want %v", genes, want)
	}
	for i, c := range CreLines {
		want := Excitatory
		if i >= 10 {
			want = Inhibitory
		}
		if c.Class != want {
			t.Errorf("Cre line %d (%s) has class %s, want %s", i, c.Gene, c.Class, want)
		}
	}
}

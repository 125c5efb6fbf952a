package similarity

import (
	"slices"
	"strings"
)

// Cell classes as the results table writes them.
const (
	// Excitatory is the class of the ten excitatory Cre lines.
	Excitatory = "E"
	// Inhibitory is the class of the three inhibitory Cre lines.
	Inhibitory = "I"
	// All marks a pooled key in a results table row: the row averages over every value of
	// that key (every area, Cre line or class).
	All = "all"
)

// Areas are the six visual areas of the Allen Brain Observatory in the order the tables and
// figures use (paper Fig. 2B).
var Areas = []string{"VISp", "VISl", "VISal", "VISpm", "VISam", "VISrl"}

// CreLines are the thirteen Cre lines of the paper (Fig. 2A and 2B), ten excitatory then three
// inhibitory, in the order the tables use.
var CreLines = []string{
	"Emx1", "Slc17a7", "Cux2", "Rorb", "Scnn1a", "Nr5a1", "Rbp4", "Fezf2", "Tlx3", "Ntsr1",
	"Sst", "Vip", "Pvalb",
}

// ClassOfCre returns [Excitatory] or [Inhibitory] for one of [CreLines] (Sst, Vip and Pvalb are
// inhibitory, the others excitatory), and "" for a gene name outside the list.
func ClassOfCre(cre string) string {
	i := slices.Index(CreLines, cre)
	switch {
	case i < 0:
		return ""
	case i >= 10:
		return Inhibitory
	default:
		return Excitatory
	}
}

// NormalizeClass maps the spellings of a cell class to [Excitatory] or [Inhibitory]: "E",
// "excitatory", "I", "inhibitory" (any case). It returns "" for anything else.
func NormalizeClass(class string) string {
	switch strings.ToLower(strings.TrimSpace(class)) {
	case "e", "excitatory":
		return Excitatory
	case "i", "inhibitory":
		return Inhibitory
	}
	return ""
}

// orderIndex sorts known names by their position in list and unknown names after them.
func orderIndex(list []string, name string) int {
	if i := slices.Index(list, name); i >= 0 {
		return i
	}
	return len(list)
}

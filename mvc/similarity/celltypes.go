package similarity

import (
	"slices"

	"github.com/mice2machines/mice2machines/mvc/allen"
)

// All marks a pooled key in a results table row: the row averages over every value of that key
// (every area, Cre line or class).
const All = "all"

// classCode returns the one-letter code ("E", "I") of a class written either way ("E",
// "excitatory", any case; see [allen.ParseCellClass]), and "" for anything else.
func classCode(class string) string { return allen.ParseCellClass(class).Code() }

// creClassCode returns the code of the class of one of [allen.CreLines] ("Sst" -> "I"), and ""
// for a gene name outside the list.
func creClassCode(cre string) string { return allen.ClassOf(cre).Code() }

// orderIndex sorts known names by their position in list and unknown names after them.
func orderIndex(list []string, name string) int {
	if i := slices.Index(list, name); i >= 0 {
		return i
	}
	return len(list)
}

package allen

import (
	"slices"
	"strings"
)

// CellClass is the class of the neurons a Cre line labels: [Excitatory] or [Inhibitory] (or
// [UnknownClass] for a line outside [CreLines]). Its value is the word the experiment metadata
// and the simulated cortex's files use ("excitatory"); [CellClass.Code] is the one-letter code
// the results tables and figures use ("E").
type CellClass string

// The classes of Cre lines.
const (
	Excitatory CellClass = "excitatory"
	Inhibitory CellClass = "inhibitory"
	// UnknownClass is the class of a Cre line outside [CreLines].
	UnknownClass CellClass = "unknown"
)

// Code returns the class's one-letter code, as results tables and figures write it: "E" for
// [Excitatory], "I" for [Inhibitory], "" for any other class.
func (c CellClass) Code() string {
	switch c {
	case Excitatory:
		return "E"
	case Inhibitory:
		return "I"
	}
	return ""
}

// ParseCellClass reads a class written either way: "E" or "excitatory" is [Excitatory], "I" or
// "inhibitory" [Inhibitory] (any case, surrounding spaces ignored); anything else is
// [UnknownClass].
func ParseCellClass(s string) CellClass {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "e", "excitatory":
		return Excitatory
	case "i", "inhibitory":
		return Inhibitory
	}
	return UnknownClass
}

// Areas are the six visual areas of the Brain Observatory (Visual Coding), in the order the
// simulated survey writes them: primary visual cortex (VISp) and the lateral (VISl),
// anterolateral (VISal), posteromedial (VISpm), anteromedial (VISam) and rostrolateral (VISrl)
// higher visual areas.
var Areas = []string{"VISp", "VISl", "VISal", "VISpm", "VISam", "VISrl"}

// CreLine describes one of the Brain Observatory's Cre driver lines: the gene name (the key the
// paper's figures use), its class, and the genotype and imaging depth the simulated cortex writes.
type CreLine struct {
	// Gene is the gene name: the genotype's text before the first '-' ("Cux2").
	Gene string
	// Class is [Excitatory] or [Inhibitory].
	Class CellClass
	// Genotype is a full genotype string in the style of the Allen files (Cre driver, then
	// reporter lines separated by ';'), written by the simulated cortex.
	Genotype string
	// Layer is the cortical layer the line mostly labels ("2/3", "4", "5", "6" or "all").
	Layer string
	// DepthUM is the imaging depth, in micrometres, the simulated cortex writes for this line
	// (typical Brain Observatory target depths for its layer).
	DepthUM int
	// Indicator is the GCaMP6 variant of its reporter: "GCaMP6f" or "GCaMP6s".
	Indicator string
}

// CreLines are the thirteen Cre lines of the paper's comparison (the Brain Observatory's
// transgenic lines), excitatory then inhibitory.
// Genotype strings follow the pattern of the Allen Brain Observatory's (driver/wt;reporter/wt);
// depths are typical target depths of the layer each line labels.
var CreLines = []CreLine{
	{"Emx1", Excitatory, "Emx1-IRES-Cre/wt;Camk2a-tTA/wt;Ai93(TITL-GCaMP6f)/wt", "all", 175, "GCaMP6f"},
	{"Slc17a7", Excitatory, "Slc17a7-IRES2-Cre/wt;Camk2a-tTA/wt;Ai93(TITL-GCaMP6f)/wt", "all", 275, "GCaMP6f"},
	{"Cux2", Excitatory, "Cux2-CreERT2/wt;Camk2a-tTA/wt;Ai93(TITL-GCaMP6f)/wt", "2/3", 175, "GCaMP6f"},
	{"Rorb", Excitatory, "Rorb-IRES2-Cre/wt;Camk2a-tTA/wt;Ai93(TITL-GCaMP6f)/wt", "4", 275, "GCaMP6f"},
	{"Scnn1a", Excitatory, "Scnn1a-Tg3-Cre/wt;Camk2a-tTA/wt;Ai93(TITL-GCaMP6f)/wt", "4", 350, "GCaMP6f"},
	{"Nr5a1", Excitatory, "Nr5a1-Cre/wt;Camk2a-tTA/wt;Ai93(TITL-GCaMP6f)/wt", "4", 350, "GCaMP6f"},
	{"Rbp4", Excitatory, "Rbp4-Cre_KL100/wt;Camk2a-tTA/wt;Ai93(TITL-GCaMP6f)/wt", "5", 375, "GCaMP6f"},
	{"Fezf2", Excitatory, "Fezf2-CreER/wt;Ai148(TIT2L-GC6f-ICL-tTA2)/wt", "5", 375, "GCaMP6f"},
	{"Tlx3", Excitatory, "Tlx3-Cre_PL56/wt;Ai148(TIT2L-GC6f-ICL-tTA2)/wt", "5", 375, "GCaMP6f"},
	{"Ntsr1", Excitatory, "Ntsr1-Cre_GN220/wt;Ai148(TIT2L-GC6f-ICL-tTA2)/wt", "6", 550, "GCaMP6f"},
	{"Sst", Inhibitory, "Sst-IRES-Cre/wt;Ai148(TIT2L-GC6f-ICL-tTA2)/wt", "all", 275, "GCaMP6f"},
	{"Vip", Inhibitory, "Vip-IRES-Cre/wt;Ai148(TIT2L-GC6f-ICL-tTA2)/wt", "2/3", 175, "GCaMP6f"},
	{"Pvalb", Inhibitory, "Pvalb-IRES-Cre/wt;Ai162(TIT2L-GC6s-ICL-tTA2)/wt", "all", 375, "GCaMP6s"},
}

// CreLineGenes returns the gene names of [CreLines], in their order: the order in which tables
// and figures list Cre lines.
func CreLineGenes() []string {
	genes := make([]string, len(CreLines))
	for i, c := range CreLines {
		genes[i] = c.Gene
	}
	return genes
}

// LookupCreLine returns the Cre line with this gene name (case-sensitive, as in [CreLines]).
func LookupCreLine(gene string) (CreLine, bool) {
	i := slices.IndexFunc(CreLines, func(c CreLine) bool { return c.Gene == gene })
	if i < 0 {
		return CreLine{}, false
	}
	return CreLines[i], true
}

// CreLineOfGenotype returns the gene name of a genotype string, as the Brain Observatory writes
// them in general/subject/genotype: the Cre line is the text before the first ';', and its gene
// name the text before the first '-' ("Cux2-CreERT2/wt;Camk2a-tTA/wt;..." -> "Cux2"). Surrounding spaces are removed.
func CreLineOfGenotype(genotype string) string {
	cre, _, _ := strings.Cut(genotype, ";")
	gene, _, _ := strings.Cut(cre, "-")
	return strings.TrimSpace(gene)
}

// ClassOf returns [Excitatory] or [Inhibitory] for a Cre line's gene name, [UnknownClass] for a
// gene outside [CreLines].
func ClassOf(gene string) CellClass {
	if c, ok := LookupCreLine(gene); ok {
		return c.Class
	}
	return UnknownClass
}

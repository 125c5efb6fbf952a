package runs

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/train"
)

// Quality targets of a CIFAR-27 step whose models should have learned (chance is 1/27, 3.7%):
// every run at least MinCIFAR27Accuracy validation accuracy, their median at least
// MedianCIFAR27Accuracy.
const (
	MinCIFAR27Accuracy    = 0.25
	MedianCIFAR27Accuracy = 0.40
)

// CIFAR27RunSummary is one row of [SummarizeCIFAR27].
type CIFAR27RunSummary struct {
	Run CIFAR27Run
	// Finished tells whether the run is done; the other fields are zero when it is not.
	Finished bool
	train.Summary
	// Seconds is the wall time of its epochs (training and validation, as recorded).
	Seconds float64
}

// SummarizeCIFAR27 reads the finished runs of the profile's plan in runsDir.
func SummarizeCIFAR27(runsDir string, p CIFAR27Profile) []CIFAR27RunSummary {
	var out []CIFAR27RunSummary
	for _, run := range p.Plan() {
		s := CIFAR27RunSummary{Run: run}
		if sum, ok := Finished(filepath.Join(runsDir, run.Name)); ok {
			s.Finished, s.Summary = true, sum
			for _, e := range sum.History {
				s.Seconds += e.Seconds
			}
		}
		out = append(out, s)
	}
	return out
}

// CIFAR27SummaryMarkdown renders a step's summary: one row per run (best validation accuracy,
// its epoch, epochs trained, whether early stopping ended it, training time), then the median
// and minimum against [MinCIFAR27Accuracy] and [MedianCIFAR27Accuracy].
func CIFAR27SummaryMarkdown(p CIFAR27Profile, rows []CIFAR27RunSummary) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# CIFAR-27 step, profile %s\n\n%s.\n\n", p.Name, p.Description)
	b.WriteString("| Run | learning rate | best validation accuracy | at epoch | epochs | stopped early | wall time |\n|---|---|---|---|---|---|---|\n")
	var accs []float64
	var total float64
	for _, r := range rows {
		if !r.Finished {
			fmt.Fprintf(&b, "| %s | %g | not finished | | | | |\n", r.Run.Name, p.LearningRateOf(r.Run.Spec.Model))
			continue
		}
		accs = append(accs, r.BestValAccuracy)
		total += r.Seconds
		fmt.Fprintf(&b, "| %s | %g | %.1f%% | %d | %d | %v | %s |\n", r.Run.Name, r.Setup.LearningRate, 100*r.BestValAccuracy,
			r.BestEpoch, r.Epochs, r.StoppedEarly, mvc.FormatDuration(time.Duration(r.Seconds*float64(time.Second))))
	}
	fmt.Fprintf(&b, "\n%d of %d runs finished; their epochs' wall times (training and validation) add up to %s (runs trained side by side overlap).",
		len(accs), len(rows), mvc.FormatDuration(time.Duration(total*float64(time.Second))))
	if len(accs) > 0 {
		slices.Sort(accs)
		median := accs[len(accs)/2]
		if len(accs)%2 == 0 {
			median = (accs[len(accs)/2-1] + accs[len(accs)/2]) / 2
		}
		fmt.Fprintf(&b, " Validation accuracy: median %.1f%% (target >= %.0f%%), lowest %.1f%% (target >= %.0f%%); chance is 3.7%%.",
			100*median, 100*MedianCIFAR27Accuracy, 100*accs[0], 100*MinCIFAR27Accuracy)
	}
	b.WriteString("\n")
	return b.String()
}

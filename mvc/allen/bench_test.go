package allen

import (
	"path/filepath"
	"testing"
)

// BenchmarkSimulateExperiment simulates one experiment file of the default survey (10 cells,
// 5,950 presentations, 44,745 frames at 30 Hz), without writing it.
func BenchmarkSimulateExperiment(b *testing.B) {
	opts := DefaultSimOptions()
	opts.Stimulus = StimulusPink
	stim, err := MakeStimuli(opts)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, _, err := SimulateExperiment(opts, stim, "VISp", "Cux2"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriteNWB writes one default experiment file (about 2.8 MB).
func BenchmarkWriteNWB(b *testing.B) {
	opts := DefaultSimOptions()
	opts.Stimulus = StimulusPink
	stim, _ := MakeStimuli(opts)
	e, _, err := SimulateExperiment(opts, stim, "VISp", "Cux2")
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "x.nwb")
	for b.Loop() {
		if err := WriteNWB(path, e); err != nil {
			b.Fatal(err)
		}
	}
}

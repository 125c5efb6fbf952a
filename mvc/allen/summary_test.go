package allen

import (
	"path/filepath"
	"testing"
)

func TestSummarize(t *testing.T) {
	f, err := Open(filepath.Join("testdata", "h5py_session_b.nwb"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	s, err := f.Summarize()
	if err != nil {
		t.Fatal(err)
	}
	if s.ExperimentID != 501498760 || s.CreLine != "Sst" || s.Class != "inhibitory" || s.Area != "VISal" ||
		s.Frames != 120 || s.Presentations != 12 || len(s.Images) != 3 || len(s.CellSpecimenIDs) != 3 || s.Simulated {
		t.Errorf("summary %+v", s)
	}
}

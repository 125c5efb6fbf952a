package dg

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/train"
)

// DomainResult is one evaluated test split.
type DomainResult struct {
	// Domain is the package data name ("mnist", "syn", ...) and Code its Table 1 code.
	Domain string `json:"domain"`
	Code   string `json:"code"`
	// Accuracy is the share of correctly classified images, in [0, 1].
	Accuracy float64 `json:"accuracy"`
	Loss     float64 `json:"loss"`
	// Images is the number of test images evaluated.
	Images int `json:"images"`
	// Provenance says where the images came from (file or generator with seed).
	Provenance string `json:"provenance"`
}

// SourceData describes the training data of a run.
type SourceData struct {
	Domain           string `json:"domain"`
	TrainImages      int    `json:"train_images"`
	ValidationImages int    `json:"validation_images"`
	Provenance       string `json:"provenance"`
	// ValidationProvenance says how the validation set was taken.
	ValidationProvenance string `json:"validation_provenance"`
}

// RunResult is one finished run, the content of its JSON file in a [Store].
type RunResult struct {
	// ID is RunSpec.ID(); Spec the full spec (a stored result counts only for an equal spec).
	ID   string  `json:"id"`
	Spec RunSpec `json:"spec"`
	// Profile is the sweep profile that planned the run (informational: the spec decides).
	Profile string `json:"profile,omitempty"`
	// Source is the training data.
	Source SourceData `json:"source"`
	// InitFrom describes the initial weights: the checkpoint and its CIFAR-27 validation
	// accuracy, or "fresh initialisation".
	InitFrom string `json:"init_from"`
	// Epochs trained, the best epoch (whose weights were evaluated) and whether early stopping
	// ended the run.
	Epochs       int  `json:"epochs"`
	BestEpoch    int  `json:"best_epoch"`
	StoppedEarly bool `json:"stopped_early"`
	// SourceValAccuracy is the best validation accuracy on the source domain.
	SourceValAccuracy float64 `json:"source_val_accuracy"`
	// Targets are the test accuracies, in the spec's target order.
	Targets []DomainResult `json:"targets"`
	// Parameters is the number of trainable model parameters.
	Parameters int `json:"parameters"`
	// WallSeconds is the run's wall time: the finishing process's (data, training and
	// evaluation) plus the recorded Seconds of the epochs earlier, killed processes completed (their
	// start-up and any unfinished epoch are not counted). Files written before 2026-12-01 count
	// the last process only; [RunResult.Seconds] corrects for that. TrainImagesPerSecond is the
	// mean training throughput.
	WallSeconds          float64 `json:"wall_seconds"`
	TrainImagesPerSecond float64 `json:"train_images_per_second"`
	// Backend is the GoMLX backend, Versions the Go and GoMLX versions, Finished the UTC time.
	Backend  string            `json:"backend"`
	Versions map[string]string `json:"versions,omitempty"`
	Finished string            `json:"finished"`
	// History holds every epoch's metrics.
	History []train.EpochMetrics `json:"history"`
}

// Seconds returns the run's time: WallSeconds, or the sum of the history's epoch seconds when
// that is larger (a resumed run's file written before WallSeconds counted earlier processes).
func (r *RunResult) Seconds() float64 {
	var epochs float64
	for _, m := range r.History {
		epochs += m.Seconds
	}
	return max(r.WallSeconds, epochs)
}

// Target returns the result on a domain, or false.
func (r *RunResult) Target(domain string) (DomainResult, bool) {
	for _, t := range r.Targets {
		if t.Domain == domain {
			return t, true
		}
	}
	return DomainResult{}, false
}

// Store keeps one JSON file per finished run in a directory: <Dir>/<RunSpec.ID()>.json.
type Store struct {
	Dir string
}

// Path returns the result file of a spec.
func (s Store) Path(spec RunSpec) string { return filepath.Join(s.Dir, spec.ID()+".json") }

// Load returns the stored result of spec, or nil when there is none. A file whose spec differs
// from spec (a hash collision or an edited file) is an error.
func (s Store) Load(spec RunSpec) (*RunResult, error) {
	path := s.Path(spec)
	r, err := ReadResult(path)
	if os.IsNotExist(errors.Cause(err)) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !r.Spec.Equal(spec) {
		return nil, errors.Errorf("dg: %s holds the result of another spec (%s): remove it to rerun", path, r.Spec.Label())
	}
	return r, nil
}

// Save writes a result atomically.
func (s Store) Save(r *RunResult) error {
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return errors.Wrapf(err, "dg: encoding the result of %s", r.ID)
	}
	return mvc.WriteFileAtomic(s.Path(r.Spec), func(f *os.File) error {
		_, err := f.Write(append(js, '\n'))
		return err
	})
}

// removeStaleTemps removes the temporary files that a killed write of spec's result left (see
// mvc.WriteFileAtomic); the caller holds the run's claim, so no live process writes them.
func (s Store) removeStaleTemps(spec RunSpec) {
	matches, _ := filepath.Glob(filepath.Join(s.Dir, "."+spec.ID()+".json.tmp-*"))
	for _, m := range matches {
		_ = os.Remove(m)
	}
}

// All returns every result in the store, sorted by ID.
func (s Store) All() ([]*RunResult, error) {
	entries, err := os.ReadDir(s.Dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, errors.Wrapf(err, "dg: reading results folder %s", s.Dir)
	}
	var out []*RunResult
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		r, err := ReadResult(filepath.Join(s.Dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// ReadResult reads one result file.
func ReadResult(path string) (*RunResult, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, errors.Wrapf(err, "dg: reading result %s", path)
	}
	var r RunResult
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, errors.Wrapf(err, "dg: result %s is not valid JSON", path)
	}
	if r.ID == "" || r.Spec.Model.Name == "" {
		return nil, errors.Errorf("dg: result %s has no id or model", path)
	}
	return &r, nil
}

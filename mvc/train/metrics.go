package train

import (
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc"
)

// appendMetrics appends one JSON line to the metrics log.
func (r *runner) appendMetrics(m EpochMetrics) error {
	path := filepath.Join(r.cfg.Dir, MetricsFile)
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return errors.Wrap(err, "train: opening the metrics log")
	}
	js, _ := json.Marshal(m)
	if _, err := f.Write(append(js, '\n')); err != nil {
		_ = f.Close()
		return errors.Wrapf(err, "train: writing %s", path)
	}
	return errors.Wrapf(f.Close(), "train: closing %s", path)
}

// rewriteMetrics replaces the metrics log with the checkpoint's history.
func (r *runner) rewriteMetrics() error {
	return mvc.WriteFileAtomic(filepath.Join(r.cfg.Dir, MetricsFile), func(f *os.File) error {
		for _, m := range r.state.History {
			js, _ := json.Marshal(m)
			if _, err := f.Write(append(js, '\n')); err != nil {
				return err
			}
		}
		return nil
	})
}

// writeSummary writes ResultFile.
func (r *runner) writeSummary() error {
	params := 0
	for v := range r.store.IterVariables() {
		if isModelVariable(v.Path()) && v.Trainable {
			params += v.Shape().Size()
		}
	}
	s := Summary{
		Setup: r.state.Setup, Epochs: r.state.Epoch, BestEpoch: r.state.BestEpoch,
		BestValAccuracy: r.state.BestValAccuracy, StoppedEarly: r.state.StoppedEarly,
		Parameters: params, History: r.state.History, Versions: mvc.Versions(),
	}
	js, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return mvc.WriteFileAtomic(filepath.Join(r.cfg.Dir, ResultFile), func(f *os.File) error {
		_, err := f.Write(append(js, '\n'))
		return err
	})
}

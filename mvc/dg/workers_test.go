package dg

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mice2machines/mice2machines/mvc/claim"
	"github.com/mice2machines/mice2machines/mvc/data"
	"github.com/mice2machines/mice2machines/mvc/train"
)

// sameNumbers compares two results of a run: every epoch's losses and accuracies and every
// target's accuracy and loss.
func sameNumbers(a, b *RunResult) bool {
	return a.ID == b.ID && a.SourceValAccuracy == b.SourceValAccuracy && a.BestEpoch == b.BestEpoch &&
		slices.EqualFunc(a.Targets, b.Targets, func(x, y DomainResult) bool { return x.Accuracy == y.Accuracy && x.Loss == y.Loss }) &&
		slices.EqualFunc(a.History, b.History, func(x, y train.EpochMetrics) bool {
			return x.TrainLoss == y.TrainLoss && x.TrainAccuracy == y.TrainAccuracy && x.ValLoss == y.ValLoss && x.ValAccuracy == y.ValAccuracy
		})
}

// TestSweepWorkersShareAStore runs three sweeps of the same plan at once on one store (as three
// processes would): every run is trained once in all, each sweep returns every result, and the
// numbers are those of a single sweep.
func TestSweepWorkersShareAStore(t *testing.T) {
	specs := tinySpecs(t)
	ref, err := newTinySweep(t.TempDir(), &tinyData{}).Run(context.Background(), specs)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var mu sync.Mutex
	trainedBy := map[string]int{}
	outs := make([]*Outcome, 3)
	var wg sync.WaitGroup
	for w := range outs {
		wg.Go(func() {
			s := newTinySweep(dir, &tinyData{})
			s.Poll = 20 * time.Millisecond
			s.AfterRun = func(r *RunResult, _ string) error {
				mu.Lock()
				trainedBy[r.ID]++
				mu.Unlock()
				return nil
			}
			out, err := s.Run(context.Background(), specs)
			if err != nil {
				t.Error(err)
				return
			}
			outs[w] = out
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	trained := 0
	for w, out := range outs {
		trained += out.Trained
		if out.Trained+out.ByOthers+out.Skipped != len(specs) {
			t.Errorf("sweep %d: trained %d, by others %d, skipped %d; want %d in all", w, out.Trained, out.ByOthers, out.Skipped, len(specs))
		}
		for i, r := range out.Results {
			if r == nil || !sameNumbers(ref.Results[i], r) {
				t.Errorf("sweep %d, run %s: %+v differs from the single sweep's %+v", w, specs[i].Label(), r, ref.Results[i])
			}
		}
	}
	if trained != len(specs) || len(trainedBy) != len(specs) {
		t.Errorf("%d runs trained by the three sweeps (%d distinct), want each of the %d once", trained, len(trainedBy), len(specs))
	}
	for id, n := range trainedBy {
		if n != 1 {
			t.Errorf("run %s trained %d times", id, n)
		}
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "work")); len(entries) != 0 {
		t.Errorf("claims or checkpoints left in the work folder: %v", entries)
	}
}

// TestSweepTakesOverAbandonedRun: a run interrupted after its first epoch whose claim is still
// on disk (its process died on another machine) is waited for while its lease lasts, then
// taken over and resumed from its checkpoint, with the numbers of an uninterrupted run. A
// stale temporary file of its result is removed.
func TestSweepTakesOverAbandonedRun(t *testing.T) {
	var specs []RunSpec
	for _, v := range []string{"", "+NeuRN"} {
		i := slices.IndexFunc(tinySpecs(t), func(s RunSpec) bool { return s.Variant() == v && s.Source == data.DomainMNIST })
		specs = append(specs, tinySpecs(t)[i])
	}
	ref, err := newTinySweep(t.TempDir(), &tinyData{}).Run(context.Background(), specs)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	s := newTinySweep(dir, &tinyData{})
	s.TrainProgress = writerFunc(func(p []byte) {
		if bytes.Contains(p, []byte("epoch 1/2:")) {
			cancel() // the first run stops after its first epoch, as if killed
		}
	})
	if _, err := s.Run(ctx, specs); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted sweep: %v", err)
	}
	cancel()
	if _, err := os.Stat(filepath.Join(s.WorkDir, specs[0].ID(), train.CheckpointFile)); err != nil {
		t.Fatalf("no checkpoint of the interrupted run: %v", err)
	}
	// Its claim, as left by a process on another machine whose lease runs 600 ms more.
	now := time.Now().UTC()
	js, _ := json.Marshal(claim.Owner{Host: "elsewhere", PID: 1, Token: "abandoned", Acquired: now, Expires: now.Add(600 * time.Millisecond)})
	if err := os.WriteFile(claim.Path(s.WorkDir, specs[0].ID()), js, 0o644); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(s.Store.Dir, "."+specs[0].ID()+".json.tmp-77")
	if err := os.MkdirAll(s.Store.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tmp, []byte("{partial"), 0o644); err != nil {
		t.Fatal(err)
	}
	var log, progress bytes.Buffer
	s2 := newTinySweep(dir, &tinyData{})
	s2.Poll, s2.Log, s2.TrainProgress = 50*time.Millisecond, &log, &progress
	out, err := s2.Run(context.Background(), specs)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "is being trained by process 1 on host elsewhere") {
		t.Errorf("the log does not say that the run was held:\n%s", log.String())
	}
	if out.Trained != 2 || strings.Count(progress.String(), "epoch 1/2:") != 1 {
		t.Errorf("trained %d runs, %d first epochs; want 2 runs, the taken-over one resumed at its second epoch:\n%s",
			out.Trained, strings.Count(progress.String(), "epoch 1/2:"), progress.String())
	}
	for i := range specs {
		if !sameNumbers(ref.Results[i], out.Results[i]) {
			t.Errorf("run %s: %+v, uninterrupted %+v", specs[i].Label(), out.Results[i], ref.Results[i])
		}
	}
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Errorf("the stale temporary result file remains: %v", err)
	}
}

package train

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mice2machines/mice2machines/mvc"
)

// progress draws a progress bar with throughput and ETA: redrawn in place (carriage return) on
// a terminal, one line every nonTTYInterval otherwise (logs). A nil writer draws nothing.
type progress struct {
	w        io.Writer
	tty      bool
	last     time.Time
	drawn    bool
	interval time.Duration
	// epochSeconds averages completed epochs' durations for the run's ETA.
	epochSeconds []float64
}

const (
	ttyInterval    = 200 * time.Millisecond
	nonTTYInterval = 30 * time.Second
	barWidth       = 24
)

func newProgress(w io.Writer) *progress {
	p := &progress{w: w, interval: nonTTYInterval}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty, p.interval = true, ttyInterval
		}
	}
	return p
}

// step reports progress inside an epoch: done of total batches (doneHere of them by this
// process, e.g. after a resume), acc the epoch's running sums, images the images trained by
// this process in this epoch, in elapsed.
func (p *progress) step(epoch, maxEpochs, done, doneHere, total int, acc Accumulator, images int, elapsed time.Duration) {
	if p.w == nil {
		return
	}
	now := time.Now()
	if done < total && now.Sub(p.last) < p.interval {
		return
	}
	p.last = now
	rate := float64(images) / max(elapsed.Seconds(), 1e-9)
	frac := float64(done) / float64(total)
	bar := mvc.Bar(done, total, barWidth)
	left := time.Duration(float64(elapsed) / float64(max(1, doneHere)) * float64(total-done))
	runLeft := left + time.Duration(float64(maxEpochs-epoch)*p.meanEpoch(elapsed, frac)*float64(time.Second))
	line := fmt.Sprintf("epoch %d/%d [%s] %3.0f%% %d/%d  %.0f img/s  ETA %s (run <= %s)  loss %.4f  acc %.4f",
		epoch, maxEpochs, bar, 100*frac, done, total, rate, mvc.FormatDuration(left), mvc.FormatDuration(runLeft),
		acc.LossSum/float64(max(1, acc.Images)), acc.Correct/float64(max(1, acc.Images)))
	if p.tty {
		fmt.Fprintf(p.w, "\r%s\x1b[K", line)
		p.drawn = true
	} else {
		fmt.Fprintln(p.w, line)
	}
}

// meanEpoch estimates an epoch's duration in seconds from the completed ones, or from the
// current one's progress.
func (p *progress) meanEpoch(elapsed time.Duration, frac float64) float64 {
	if len(p.epochSeconds) > 0 {
		s := 0.0
		for _, v := range p.epochSeconds {
			s += v
		}
		return s / float64(len(p.epochSeconds))
	}
	return elapsed.Seconds() / max(frac, 1e-9)
}

// clear ends an in-place bar.
func (p *progress) clear() {
	if p.w != nil && p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}

// epoch prints the summary line of a completed epoch.
func (p *progress) epoch(m EpochMetrics, maxEpochs int, stopped bool) {
	if p.w == nil {
		return
	}
	p.clear()
	p.epochSeconds = append(p.epochSeconds, m.Seconds)
	mark := ""
	if m.Improved {
		mark = " *"
	}
	fmt.Fprintf(p.w, "epoch %d/%d: loss %.4f acc %.4f | val loss %.4f acc %.4f%s (best %.4f at epoch %d, wait %d) | %.0f img/s, %s\n",
		m.Epoch, maxEpochs, m.TrainLoss, m.TrainAccuracy, m.ValLoss, m.ValAccuracy, mark,
		m.BestValAccuracy, m.BestEpoch, m.Wait, m.ImagesPerSecond, mvc.FormatDuration(time.Duration(m.Seconds*float64(time.Second))))
	if stopped {
		fmt.Fprintf(p.w, "early stopping: no improvement for %d epochs; best weights are epoch %d's\n", m.Wait, m.BestEpoch)
	}
}

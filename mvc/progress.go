package mvc

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Bar draws a text progress bar of width characters for done of total: "=====>     " (the
// arrow head marks the front until the bar is full). Values outside [0, total] are clamped.
func Bar(done, total, width int) string {
	if width < 1 {
		return ""
	}
	filled := width
	if total > 0 {
		filled = min(max(done, 0), total) * width / total
	}
	if filled >= width {
		return strings.Repeat("=", width)
	}
	return strings.Repeat("=", filled) + ">" + strings.Repeat(" ", width-filled-1)
}

// ProgressLine redraws one line of a terminal with the progress of a counted job:
// "label [=====>      ] 3/8, ETA 12.4s", and the total time once the job is done. It is
// meant for callbacks of the form func(done, total int).
type ProgressLine struct {
	w     io.Writer
	label string
	start time.Time
}

// NewProgressLine starts timing a job whose progress lines go to w under label.
func NewProgressLine(w io.Writer, label string) *ProgressLine {
	return &ProgressLine{w: w, label: label, start: time.Now()}
}

// Update redraws the line for done of total; the line ends (with the total time) when done
// reaches total.
func (p *ProgressLine) Update(done, total int) {
	const width = 30
	if done >= total {
		fmt.Fprintf(p.w, "\r%s [%s] %d/%d in %s\x1b[K\n", p.label, Bar(done, total, width), done, total,
			FormatDuration(time.Since(p.start)))
		return
	}
	eta := "?"
	if left, ok := ETA(time.Since(p.start), done, total); ok {
		eta = FormatDuration(left)
	}
	fmt.Fprintf(p.w, "\r%s [%s] %d/%d, ETA %s\x1b[K", p.label, Bar(done, total, width), done, total, eta)
}

// LockedWriter serializes the writes to W under Mu, so that the lines of concurrent jobs (or of a
// child process's output copied beside a supervisor's log) do not interleave. A nil W discards.
type LockedWriter struct {
	Mu *sync.Mutex
	W  io.Writer
}

// Write writes p to W, holding Mu.
func (l LockedWriter) Write(p []byte) (int, error) {
	if l.W == nil {
		return len(p), nil
	}
	l.Mu.Lock()
	defer l.Mu.Unlock()
	return l.W.Write(p)
}

// PrefixWriter starts every line written to W with Prefix (e.g. a run's name, so that the
// progress lines of concurrent runs in one log tell whose they are). Each Write should hold whole
// lines, as the progress reports of package train do.
type PrefixWriter struct {
	Prefix string
	W      io.Writer
}

// Write writes p to W, each of its lines after Prefix.
func (w PrefixWriter) Write(p []byte) (int, error) {
	if w.W == nil {
		return len(p), nil
	}
	var b []byte
	for line := range bytes.Lines(p) {
		b = append(append(b, w.Prefix...), line...)
	}
	if _, err := w.W.Write(b); err != nil {
		return 0, err
	}
	return len(p), nil
}

package main

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/data"
	"github.com/mice2machines/mice2machines/mvc/embed"
)

func init() {
	register("umap", "embed the rows of a float32 .npy array in 2-D with UMAP", runUMAP)
}

func runUMAP(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("umap", "--in X.npy --out Y.npy [--neighbors 15] [--min-dist 0.1] [--seed 42] [--epochs 0]",
		"Embeds the n rows of X (a float32 .npy array of shape [n,d], finite values) in 2-D with UMAP,\n"+
			"the reference algorithm of umap-learn (McInnes, Healy and Melville 2018) that the paper uses\n"+
			"to select representative neural and feature representations (n_neighbors 15, min_dist 0.1,\n"+
			"euclidean). Y gets a float32 array of shape [n,2], written atomically. The same seed gives\n"+
			"the same Y bit for bit, whatever the number of cores. Progress goes to stderr.", stderr)
	in := fs.String("in", "", "input .npy file (float32, [n,d], n >= 3)")
	out := fs.String("out", "", "output .npy file (float32, [n,2], written atomically)")
	neighbors := fs.Int("neighbors", embed.DefaultNNeighbors, "n_neighbors: neighbourhood size, the point itself included (>= 2)")
	minDist := fs.Float64("min-dist", embed.DefaultMinDist, "min_dist: smallest distance between embedded points, in [0, 1]")
	seed := fs.Uint64("seed", 42, "random seed")
	epochs := fs.Int("epochs", 0, "optimisation epochs (0: 500 up to 10,000 points, 200 above)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *in == "" || *out == "" {
		return badInput("both --in and --out are required (see --help)")
	}
	if *neighbors < 2 {
		return badInput("--neighbors must be at least 2, got %d", *neighbors)
	}
	if !(*minDist >= 0 && *minDist <= 1) {
		return badInput("--min-dist must be in [0, 1] (spread is 1), got %v", *minDist)
	}
	if *epochs < 0 {
		return badInput("--epochs must be >= 0, got %d", *epochs)
	}
	values, shape, err := data.ReadNPYFloat32(*in)
	if err != nil {
		return usageError{err}
	}
	if len(shape) != 2 {
		return badInput("%s: shape %v, want a 2-D array [n,d] (one point per row)", *in, shape)
	}
	n, d := shape[0], shape[1]
	if n < 3 || d < 1 {
		return badInput("%s: shape %v, want at least 3 rows and 1 column", *in, shape)
	}
	rows := make([][]float64, n)
	for i := range rows {
		rows[i] = make([]float64, d)
		for j := range d {
			v := float64(values[i*d+j])
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return badInput("%s: row %d, column %d is %v (values must be finite)", *in, i, j, v)
			}
			rows[i][j] = v
		}
	}
	md := *minDist
	if md == 0 {
		// UMAPOptions reads 0 as "default"; the smallest positive value gives min_dist 0's
		// target curve exactly (only d = 0 lies below it).
		md = math.SmallestNonzeroFloat64
	}
	bar := &umapProgress{w: stderr, began: time.Now()}
	res, err := embed.FitUMAP(rows, embed.UMAPOptions{
		NNeighbors: *neighbors, MinDist: md, Seed: *seed, Epochs: *epochs, Progress: bar.update,
	})
	bar.finish(err == nil)
	if err != nil {
		return badInput("%s: %v", *in, err)
	}
	flat := make([]float32, 0, 2*n)
	for _, p := range res.Embedding {
		flat = append(flat, float32(p[0]), float32(p[1]))
	}
	if err := data.WriteNPYFloat32(*out, flat, []int{n, 2}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: UMAP of %d x %d points from %s (n_neighbors %d, min_dist %v, seed %d; %s neighbours, %s init, %d epochs)\n",
		*out, n, d, *in, res.NNeighbors, *minDist, *seed, res.KNN, res.Init, res.Epochs)
	return nil
}

// umapProgress draws "umap: optimize  42% [=====>    ] 210/500 epochs ETA 6s" on stderr,
// redrawn at most every 200 ms.
type umapProgress struct {
	w            io.Writer
	began, last  time.Time
	stageBegan   time.Time
	stage        string
	drawn, ended bool
}

func (p *umapProgress) update(stage string, done, total int) {
	now := time.Now()
	if stage != p.stage {
		p.stage, p.stageBegan = stage, now
	}
	if done < total && now.Sub(p.last) < 200*time.Millisecond {
		return
	}
	p.last, p.drawn = now, true
	const width = 30
	frac := 0.0
	if total > 0 {
		frac = min(float64(done)/float64(total), 1)
	}
	bar := mvc.Bar(done, total, width)
	eta := "?"
	if left, ok := mvc.ETA(now.Sub(p.stageBegan), done, total); ok {
		eta = mvc.FormatDuration(left)
	}
	unit := ""
	if stage == "optimize" {
		unit = " epochs"
	}
	fmt.Fprintf(p.w, "\rumap: %-9s %3.0f%% [%s] %d/%d%s ETA %s   ", stage, 100*frac, bar, done, total, unit, eta)
}

// finish ends the progress line: with the total time on success, else just a newline so the
// error message starts on its own line.
func (p *umapProgress) finish(ok bool) {
	if !p.drawn || p.ended {
		return
	}
	p.ended = true
	if ok {
		fmt.Fprintf(p.w, "\rumap: done in %s%s\n", mvc.FormatDuration(time.Since(p.began)), strings.Repeat(" ", 50))
	} else {
		fmt.Fprintln(p.w)
	}
}

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/allen"
	"github.com/mice2machines/mice2machines/mvc/data"
	"github.com/mice2machines/mice2machines/mvc/represent"
)

func init() {
	g := newGroup("allen", "Allen Brain Observatory files: simulate a cortex, show a file, compute neural representations")
	g.add("simulate", "write a simulated survey of experiment files (NWB 1, the Brain Observatory's layout)", runAllenSimulate)
	g.add("info", "print a JSON summary of an experiment file", runAllenInfo)
	g.add("reps", "write the neural representations (N = T^T . FS) of a file's cells as .npy", runAllenReps)
}

// parseSize parses "HxW".
func parseSize(s string) (h, w int, err error) {
	a, b, ok := strings.Cut(strings.ToLower(s), "x")
	if ok {
		h, err = strconv.Atoi(strings.TrimSpace(a))
		if err == nil {
			w, err = strconv.Atoi(strings.TrimSpace(b))
		}
	}
	if !ok || err != nil || h < 1 || w < 1 {
		return 0, 0, badInput("size %q: want HxW with positive integers, e.g. 46x59", s)
	}
	return h, w, nil
}

func splitList(s string) []string {
	var out []string
	for v := range strings.SplitSeq(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func runAllenSimulate(args []string, stdout, stderr io.Writer) error {
	def := allen.DefaultSimOptions()
	fs := newFlagSet("allen simulate", "--out DIR [--seed S] [--cells N] [--size HxW] [flags]",
		"Writes a simulated cortex: one experiment file per (area, Cre line) pair, DIR/<area>_<line>.nwb,\n"+
			"in the Allen Brain Observatory's NWB 1 layout (session three_session_B, natural scenes), with\n"+
			"each cell's ground-truth receptive field beside it (DIR/<area>_<line>_rf.npy, float32 [cells,\n"+
			"H, W]) and its model (DIR/<area>_<line>_truth.json). Cells are linear-nonlinear models with\n"+
			"Gabor-like fields by area, inhibitory cells broader and less selective, Poisson spikes and a\n"+
			"GCaMP6-like kernel; images are BSDS500 photographs from $MVC_DATA/bsds500 when present, 1/f\n"+
			"noise images otherwise. Deterministic by seed; a folder holding the same survey is resumed.\n"+
			"Everything made from these files is \"simulated cortex\", not a recording.", stderr)
	out := fs.String("out", "", "output folder (required)")
	seed := fs.Uint64("seed", def.Seed, "random seed")
	cells := fs.Int("cells", def.Cells, "cells per file")
	size := fs.String("size", fmt.Sprintf("%dx%d", def.Height, def.Width), "template size HxW (the real templates are 918x1174)")
	images := fs.Int("images", def.Images, "stimulus images")
	trials := fs.Int("trials", def.Trials, "presentations of each image")
	blanks := fs.Int("blank-sweeps", def.BlankSweeps, "blank (grey) presentations")
	stimulus := fs.String("stimulus", def.Stimulus, "images: auto, bsds500, pink (1/f noise) or white (binary white noise)")
	bsds := fs.String("bsds500", "", "BSDS500 folder (default $MVC_DATA/bsds500)")
	areas := fs.String("areas", strings.Join(def.Areas, ","), "comma-separated areas")
	cre := fs.String("cre-lines", strings.Join(def.CreLines, ","), "comma-separated Cre lines (gene names)")
	noise := fs.Float64("noise", def.NoiseSD, "frame noise (standard deviation of dF/F)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return badInput("--out is required (see --help)")
	}
	opts := def
	var err error
	if opts.Height, opts.Width, err = parseSize(*size); err != nil {
		return err
	}
	opts.Seed, opts.Cells, opts.Images, opts.Trials, opts.BlankSweeps = *seed, *cells, *images, *trials, *blanks
	opts.Stimulus, opts.BSDS500Dir, opts.NoiseSD = *stimulus, *bsds, *noise
	opts.Areas, opts.CreLines = splitList(*areas), splitList(*cre)
	var progress func(done, total int, file string)
	if !*quiet {
		bar := mvc.NewProgressLine(stderr, "simulating")
		progress = func(done, total int, _ string) { bar.Update(done, total) }
	}
	start := time.Now()
	survey, err := allen.SimulateSurvey(*out, opts, progress)
	if err != nil {
		if strings.HasPrefix(err.Error(), "simulated cortex:") || strings.Contains(err.Error(), "other options") {
			return usageError{err}
		}
		return err
	}
	var bytes int64
	for _, sf := range survey.Files {
		for _, p := range []string{sf.NWB, sf.Fields, sf.Truth} {
			if st, err := os.Stat(p); err == nil {
				bytes += st.Size()
			}
		}
	}
	fmt.Fprintf(stdout, "wrote %d experiment files (%d kept from an earlier run) in %s: %.1f MB, %s\n",
		len(survey.Files), survey.Resumed, *out, float64(bytes)/1e6, time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(stdout, "%s; stimulus: %s\n", allen.SimulatedLabel, survey.StimulusProvenance)
	return nil
}

func runAllenInfo(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("allen info", "FILE.nwb",
		"Prints a JSON summary of an Allen Brain Observatory experiment file (real or simulated): cells,\n"+
			"frames, Cre line (gene name), class (excitatory|inhibitory), area, imaging depth, session type,\n"+
			"the natural scenes images [n, h, w], presentations and blank sweeps, the first cell specimen ids.\n"+
			"Only small datasets and headers are read. A file without natural scenes (sessions A and C) gets\n"+
			"\"images\": null and a \"natural_scenes\" message.", stderr)
	positional, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(positional) != 1 {
		return badInput("want exactly one FILE.nwb, got %d arguments (see --help)", len(positional))
	}
	f, err := allen.Open(positional[0])
	if err != nil {
		return usageError{err}
	}
	defer func() { _ = f.Close() }()
	info, err := f.Summarize()
	if err != nil {
		return usageError{err}
	}
	info.File = positional[0]
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(info)
}

func runAllenReps(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("allen reps", "FILE.nwb [--size HxW] [--tau SECONDS] --out reps.npy [--lags lags.npy] [--peaks peaks.npy]",
		"Computes the neural representation of every cell of an experiment file (package represent's spec: FS\n"+
			"the natural scenes resized to HxW by area averaging, scaled to [0,1], each pixel centred across\n"+
			"images; T each image's dF/F over tau after onset, averaged over its presentations; N = T^T . FS;\n"+
			"the map at the lag of largest L2 norm) and writes them as float32 [cells, H, W] to --out, the\n"+
			"peak lags (times to peak) in seconds as float32 [cells] to --lags and the peak dF/F (the largest\n"+
			"value of T) as float32 [cells] to --peaks. Files are written atomically.", stderr)
	size := fs.String("size", "", "map size HxW (default: the templates' own size; for real files, 918x1174, that takes about 1 GB per 100 cells and 2 GB of memory)")
	tau := fs.Float64("tau", represent.DefaultTauSeconds, "response window in seconds")
	out := fs.String("out", "", "output .npy of the maps (required)")
	lags := fs.String("lags", "", "output .npy of the times to peak in seconds (optional)")
	peaks := fs.String("peaks", "", "output .npy of the peak dF/F (optional)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	positional, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(positional) != 1 {
		return badInput("want exactly one FILE.nwb, got %d arguments (see --help)", len(positional))
	}
	if *out == "" {
		return badInput("--out is required (see --help)")
	}
	if !(*tau > 0) {
		return badInput("--tau must be positive, got %g", *tau)
	}
	opts := represent.Options{TauSeconds: *tau}
	if *size != "" {
		if opts.Height, opts.Width, err = parseSize(*size); err != nil {
			return err
		}
	}
	if !*quiet {
		bar := mvc.NewProgressLine(stderr, "cells")
		opts.Progress = bar.Update
	}
	f, err := allen.Open(positional[0])
	if err != nil {
		return usageError{err}
	}
	defer func() { _ = f.Close() }()
	res, err := represent.FromFile(f, opts)
	if err != nil {
		return usageError{err}
	}
	maps, ttp := res.MapsFloat32()
	peak := make([]float32, len(res.Cells))
	for i, c := range res.Cells {
		peak[i] = float32(c.PeakDFF)
	}
	written := []string{}
	write := func(path string, v []float32, shape []int) error {
		if err := data.WriteNPYFloat32(path, v, shape); err != nil {
			for _, p := range written {
				_ = os.Remove(p)
			}
			return err
		}
		written = append(written, path)
		return nil
	}
	if err := write(*out, maps, []int{len(res.Cells), res.Height, res.Width}); err != nil {
		return err
	}
	if *lags != "" {
		if err := write(*lags, ttp, []int{len(res.Cells)}); err != nil {
			return err
		}
	}
	if *peaks != "" {
		if err := write(*peaks, peak, []int{len(res.Cells)}); err != nil {
			return err
		}
	}
	label := ""
	if strings.HasPrefix(res.Metadata.Notes, allen.SimulatedLabel) {
		label = " (" + allen.SimulatedLabel + ")"
	}
	fmt.Fprintf(stdout, "wrote %s: %d cells x %dx%d maps of %s %s %s%s, tau %d frames at %.2f Hz\n",
		strings.Join(written, ", "), len(res.Cells), res.Height, res.Width, res.Metadata.Area, res.Metadata.CreLine,
		filepath.Base(res.File), label, res.Tau, res.FrameRate)
	return nil
}

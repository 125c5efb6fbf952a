package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/mice2machines/mice2machines/mvc/data"
)

func init() {
	register("data", "inspect, export (to .npy) or fetch datasets in their official formats", runData)
	registerDataSubcommand("inspect", "print a JSON summary of a dataset file (format detected)", runDataInspect)
	registerDataSubcommand("export", "write a dataset file as images.npy (uint8) and labels.npy (int64)", runDataExport)
}

// dataSubcommand is one sub-subcommand of "mvc data".
type dataSubcommand struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

// dataSubcommands are the sub-subcommands of "mvc data" (inspect, export, fetch, ...). Each file
// that implements one adds it in an init function with [registerDataSubcommand].
var dataSubcommands = map[string]dataSubcommand{}

// registerDataSubcommand adds "mvc data NAME"; it panics on a duplicate name.
func registerDataSubcommand(name, summary string, run func(args []string, stdout, stderr io.Writer) error) {
	if _, dup := dataSubcommands[name]; dup {
		panic("mvc data: subcommand " + name + " registered twice")
	}
	dataSubcommands[name] = dataSubcommand{summary, run}
}

func dataUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: mvc data <subcommand> [flags]\n\nSubcommands:")
	names := make([]string, 0, len(dataSubcommands))
	for name := range dataSubcommands {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(w, "  %-8s %s\n", name, dataSubcommands[name].summary)
	}
	fmt.Fprintln(w, "\nFormats:")
	for _, f := range data.Formats() {
		fmt.Fprintf(w, "  %-12s %s\n", f.Name, f.Description)
	}
	fmt.Fprintln(w, "\nRun \"mvc data <subcommand> --help\" for its flags.")
}

func runData(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		dataUsage(stderr)
		return badInput("missing subcommand (see above)")
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		dataUsage(stderr)
		return flag.ErrHelp
	}
	sub, ok := dataSubcommands[args[0]]
	if !ok {
		return badInput("unknown subcommand %q; run \"mvc data --help\" for the list", args[0])
	}
	if err := sub.run(args[1:], stdout, stderr); err != nil {
		if _, isUsage := err.(usageError); isUsage || err == flag.ErrHelp {
			return err
		}
		return fmt.Errorf("%s: %w", args[0], err)
	}
	return nil
}

// parseInterspersed parses flags that may come before or after positional arguments (as in
// "mvc data inspect PATH --split train") and returns the positional arguments.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if err == flag.ErrHelp {
				return nil, err
			}
			return nil, usageError{err}
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// readDataFile reads a dataset file in format (or the detected one when format is ""). A file
// that cannot be read or does not match its format is bad input (exit status 2).
func readDataFile(format, path, split string) (*data.Dataset, data.Format, error) {
	if format != "" {
		if _, err := data.LookupFormat(format); err != nil {
			return nil, data.Format{}, badInput("--format: %v", err)
		}
	}
	if _, err := os.Stat(path); os.IsNotExist(err) {
		return nil, data.Format{}, badInput("%s: no such file or directory", path)
	}
	d, f, err := data.ReadFormat(format, path, split)
	if err != nil {
		return nil, f, usageError{err}
	}
	return d, f, nil
}

func formatList() string { return strings.Join(data.FormatNames(), ", ") }

func runDataInspect(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("data inspect", "PATH [--format FORMAT] [--split train|test]",
		"Reads a dataset file in its official format and prints a JSON object: the format detected,\n"+
			"the split read (and the splits the file holds), count, shape [H, W, C] as stored, the\n"+
			"number of images of each label (label_counts[i] for class_names[i]) and provenance.\n"+
			"Formats: "+formatList()+".", stderr)
	format := fs.String("format", "", "the file's format (default: detected from the file)")
	split := fs.String("split", "", "for files holding several splits (usps-h5): which one (default: the format's default, test)")
	positional, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(positional) != 1 {
		return badInput("want exactly one PATH, got %d arguments (see --help)", len(positional))
	}
	path := positional[0]
	d, f, err := readDataFile(*format, path, *split)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(data.Summarize(d, f, path))
}

func runDataExport(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("data export", "--format FORMAT --in PATH [--split train|test] --out DIR",
		"Writes DIR/images.npy (uint8 [N, H, W, C] at the stored size: no resize; float sources are\n"+
			"scaled to 0-255 and rounded) and DIR/labels.npy (int64 [N]; digits 0-9 for the digit sets,\n"+
			"fine labels or CIFAR-27 labels for CIFAR), for numpy.load. Files are written atomically.\n"+
			"Formats: "+formatList()+".", stderr)
	format := fs.String("format", "", "the file's format (default: detected from the file)")
	in := fs.String("in", "", "the dataset file (required)")
	split := fs.String("split", "", "for files holding several splits (usps-h5): which one (default: test)")
	out := fs.String("out", "", "output directory (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *in == "" || *out == "" {
		return badInput("--in and --out are required (see --help)")
	}
	d, f, err := readDataFile(*format, *in, *split)
	if err != nil {
		return err
	}
	imagesPath, labelsPath, err := data.ExportNPY(d, *out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s (%s, %s split): %d images [%d %d %d]\n  wrote %s\n  wrote %s\n",
		*in, f.Name, d.Split, d.N, d.Height, d.Width, d.Channels, imagesPath, labelsPath)
	return nil
}

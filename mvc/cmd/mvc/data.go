package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mice2machines/mice2machines/mvc/data"
)

// dataCommands is "mvc data": its subcommands live in the files that implement them.
var dataCommands = newGroup("data", "inspect, export (to .npy) or fetch datasets in their official formats")

func init() {
	dataCommands.add("inspect", "print a JSON summary of a dataset file (format detected)", runDataInspect)
	dataCommands.add("export", "write a dataset file as images.npy (uint8) and labels.npy (int64)", runDataExport)
	dataCommands.more = func(w io.Writer) {
		fmt.Fprintln(w, "\nFormats:")
		for _, f := range data.Formats() {
			fmt.Fprintf(w, "  %-12s %s\n", f.Name, f.Description)
		}
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

package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/mice2machines/mice2machines/mvc/zoo"
)

func init() {
	g := newGroup("zoo", "list the model zoo's architectures with their parameter counts: mvc zoo list")
	g.add("list", "the architectures with their parameter counts, published counts and first convolutions", zooList)
}

// zooEntry is one architecture in "mvc zoo list --json".
type zooEntry struct {
	Name string `json:"name"`
	// Params counts every variable's values (Keras' "Total params": trainable weights plus batch
	// normalization's moving statistics), at full width, the full input and 1,000 classes.
	Params int `json:"params"`
	// Input is the image height and width of the count (224; 299 for InceptionV3 and Xception;
	// 32 for DigitNet).
	Input int `json:"input"`
	// FirstConv is the first convolution's kernel shape [kh, kw, in, out].
	FirstConv [4]int `json:"first_conv"`
	// Trainable counts the trainable values only (torchvision's convention).
	Trainable int `json:"trainable"`
	// Published is the reference implementation's count (Keras Applications, torchvision or timm).
	Published int `json:"published"`
	// MinInput is the smallest input of the original; smaller images are resized to it.
	MinInput int `json:"min_input"`
	// Description says what the architecture is and which reference it follows.
	Description string `json:"description"`
}

func zooList(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("zoo list", "[--json]",
		"Lists the zoo's architectures at full size (width 1, 224x224x3 images -- 299 for InceptionV3\n"+
			"and Xception, 32 for DigitNet -- and 1,000 classes): parameter count (every variable, as\n"+
			"Keras counts; trainable only, as torchvision counts), the published count, and the first\n"+
			"convolution's kernel [kh, kw, in, out]. The counts come from building each model's graph\n"+
			"abstractly (shapes only, no weights allocated).", stderr)
	asJSON := fs.Bool("json", false, "print a JSON array of {name, params, input, first_conv, ...}")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var entries []zooEntry
	for _, name := range zoo.Names() {
		cfg, err := zoo.FullConfig(name)
		if err != nil {
			return err
		}
		m, err := zoo.New(name, cfg)
		if err != nil {
			return err
		}
		total, trainable := m.NumParams()
		published, err := zoo.PublishedParams(name)
		if err != nil {
			return err
		}
		desc, err := zoo.Describe(name)
		if err != nil {
			return err
		}
		entries = append(entries, zooEntry{Name: name, Params: total, Input: cfg.InputSize, FirstConv: m.FirstConv(),
			Trainable: trainable, Published: published, MinInput: m.MinInput(), Description: desc})
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(entries)
	}
	fmt.Fprintf(stdout, "%-15s %12s %12s %12s %7s %6s %-16s\n", "model", "params", "trainable", "published", "diff", "input", "first conv")
	for _, e := range entries {
		diff := 100 * float64(e.Params-e.Published) / float64(e.Published)
		fmt.Fprintf(stdout, "%-15s %12d %12d %12d %+6.2f%% %6d %-16s\n", e.Name, e.Params, e.Trainable, e.Published, diff,
			e.Input, fmt.Sprint(e.FirstConv[:]))
	}
	return nil
}

package data

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/pkg/errors"
)

// Format is one official distribution format of a dataset (each dataset loads from the files its
// authors distribute), known to [ReadFormat], [DetectFormat] and the "mvc data inspect|export"
// commands by its Name. Each format lives in its own file and registers itself in an init
// function with [RegisterFormat], so adding one touches no other file.
type Format struct {
	// Name is the format's name on the command line: "idx", "usps-h5", "usps-libsvm",
	// "svhn-mat", "cifar-bin", "mnistm-tar", ...
	Name string
	// Description says in one line which files the format covers.
	Description string
	// Splits lists the splits that one file of this format holds together (usps-h5: "train"
	// and "test"), the default first; nil when a file holds a single split, which the reader
	// then tells from the file (its name or content).
	Splits []string
	// Detect reports whether the file at path is in this format, from its content (and its name
	// where the content is not distinctive). It never fails: a file it cannot read is not
	// detected.
	Detect func(path string) bool
	// Read reads the whole dataset at path. split picks the group of a file that holds several
	// (one of Splits; "" means the default, Splits[0]); formats whose files hold one split
	// reject a split other than "" and the one the file holds.
	Read func(path, split string) (*Dataset, error)
}

var (
	formatsMu sync.RWMutex
	formats   = map[string]Format{}
)

// RegisterFormat adds a format to the registry. It panics when the name is empty or already
// taken, or Detect or Read is nil: programming errors that any test of the package catches.
func RegisterFormat(f Format) {
	formatsMu.Lock()
	defer formatsMu.Unlock()
	if f.Name == "" || f.Detect == nil || f.Read == nil {
		panic(fmt.Sprintf("data: RegisterFormat(%q): name, Detect and Read are required", f.Name))
	}
	if _, dup := formats[f.Name]; dup {
		panic("data: format " + f.Name + " registered twice")
	}
	formats[f.Name] = f
}

// Formats returns the registered formats sorted by name.
func Formats() []Format {
	formatsMu.RLock()
	defer formatsMu.RUnlock()
	out := make([]Format, 0, len(formats))
	for _, f := range formats {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// FormatNames returns the names of the registered formats, sorted.
func FormatNames() []string {
	var names []string
	for _, f := range Formats() {
		names = append(names, f.Name)
	}
	return names
}

// LookupFormat returns the format registered under name, or an error listing the known ones.
func LookupFormat(name string) (Format, error) {
	formatsMu.RLock()
	f, ok := formats[name]
	formatsMu.RUnlock()
	if !ok {
		return Format{}, errors.Errorf("unknown dataset format %q: want one of %s", name, strings.Join(FormatNames(), ", "))
	}
	return f, nil
}

// DetectFormat returns the format of the file at path: the registered formats are tried in name
// order and the first whose Detect accepts the file wins. It returns an error naming the file
// when none does.
func DetectFormat(path string) (Format, error) {
	for _, f := range Formats() {
		if f.Detect(path) {
			return f, nil
		}
	}
	return Format{}, errors.Errorf("%s: format not recognised (known formats: %s)", path, strings.Join(FormatNames(), ", "))
}

// ReadFormat reads the dataset at path in the named format ("" detects it with [DetectFormat]);
// split picks the group of a file that holds several (see [Format.Splits]). The result is
// validated: a reader never reports a partial dataset as whole.
func ReadFormat(name, path, split string) (*Dataset, Format, error) {
	var f Format
	var err error
	if name == "" {
		f, err = DetectFormat(path)
	} else {
		f, err = LookupFormat(name)
	}
	if err != nil {
		return nil, Format{}, err
	}
	if split != "" && f.Splits != nil && !slices.Contains(f.Splits, split) {
		return nil, f, errors.Errorf("%s: format %s holds splits %s, not %q", path, f.Name, strings.Join(f.Splits, ", "), split)
	}
	d, err := f.Read(path, split)
	if err != nil {
		return nil, f, err
	}
	if err := d.Validate(); err != nil {
		return nil, f, errors.Wrapf(err, "%s (format %s)", path, f.Name)
	}
	return d, f, nil
}

// checkSingleSplit is for formats whose files hold one split: it returns an error naming the file
// when split asks for another one than the file holds.
func checkSingleSplit(path, split, holds string) error {
	if split != "" && split != holds {
		return errors.Errorf("%s holds the %s split, not %q", path, holds, split)
	}
	return nil
}

package data

// The digit domains of the paper's domain-generalization experiments (Table 1: MNIST, USPS,
// SVHN, MNIST-M), loaded by name from whatever is available offline: the official files under
// $MVC_DATA (or the folder "mvc data fetch" fills), MNIST from the GoMNIST module, and the
// faithful stand-ins when files are absent (the MNIST-M recipe; SYN for SVHN).

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc"
)

// Digit domain names accepted by [LoadDomain] (case-insensitive; Table 1's codes M, U, S, MM
// are accepted too).
const (
	DomainMNIST  = "mnist"
	DomainUSPS   = "usps"
	DomainSVHN   = "svhn"
	DomainSYN    = "syn"
	DomainMNISTM = "mnistm"
)

// DomainNames returns the digit domains [LoadDomain] knows, in the order of the paper's Table 1
// (M, U, S, MM) with SYN, the SVHN stand-in, after SVHN.
func DomainNames() []string {
	return []string{DomainMNIST, DomainUSPS, DomainSVHN, DomainSYN, DomainMNISTM}
}

// MNIST-M sources for [DomainOptions].MNISTM.
const (
	// MNISTMAuto uses the official archive when present, the recipe otherwise.
	MNISTMAuto = ""
	// MNISTMArchive requires the official mnist_m.tar.gz.
	MNISTMArchive = "archive"
	// MNISTMRecipe always applies the recipe ([MakeMNISTM]) to real MNIST.
	MNISTMRecipe = "recipe"
)

// DomainOptions configure [LoadDomain].
type DomainOptions struct {
	// N caps the number of images: the first N of a file-based split or of the MNIST digits the
	// MNIST-M recipe is applied to; for SYN, the number generated. 0 means the whole split (SYN:
	// [SYNDefaultTrain] or [SYNDefaultTest] images).
	N int
	// Seed seeds the generated domains (SYN, the MNIST-M recipe).
	Seed uint64
	// BackgroundDir names a folder of photos for the MNIST-M recipe; "" means the BSDS500
	// training photos ([BSDS500TrainDir]) when present, procedural textures otherwise.
	BackgroundDir string
	// MNISTM picks MNIST-M's source: [MNISTMAuto], [MNISTMArchive] or [MNISTMRecipe].
	MNISTM string
}

// canonicalDomain maps accepted spellings to the names of [DomainNames].
func canonicalDomain(name string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "mnist", "m":
		return DomainMNIST, nil
	case "usps", "u":
		return DomainUSPS, nil
	case "svhn", "s":
		return DomainSVHN, nil
	case "syn", "synnumbers", "syn-digits":
		return DomainSYN, nil
	case "mnistm", "mnist-m", "mnist_m", "mm":
		return DomainMNISTM, nil
	}
	return "", errors.Errorf("unknown digit domain %q: want one of %s (or M, U, S, MM)", name, strings.Join(DomainNames(), ", "))
}

// findDataFile returns the first of the relative paths that exists under one of
// [DataSearchDirs], and the full paths looked at.
func findDataFile(rels ...string) (found string, tried []string) {
	for _, dir := range DataSearchDirs() {
		for _, rel := range rels {
			p := filepath.Join(dir, filepath.FromSlash(rel))
			if st, err := os.Stat(p); err == nil && !st.IsDir() {
				return p, nil
			}
			tried = append(tried, p)
		}
	}
	return "", tried
}

// DomainFile returns the official file [LoadDomain] would read for a file-based domain and
// split ("usps", "svhn", or "mnistm"'s archive), with its format, or ok false when it is absent.
func DomainFile(name, split string) (path, format string, ok bool) {
	name, err := canonicalDomain(name)
	if err != nil {
		return "", "", false
	}
	switch name {
	case DomainUSPS:
		if p, _ := findDataFile("usps/usps.h5"); p != "" {
			return p, "usps-h5", true
		}
		rel := "usps/usps.bz2"
		if split == "test" {
			rel = "usps/usps.t.bz2"
		}
		if p, _ := findDataFile(rel); p != "" {
			return p, "usps-libsvm", true
		}
	case DomainSVHN:
		if p, _ := findDataFile("svhn/" + split + "_32x32.mat"); p != "" {
			return p, "svhn-mat", true
		}
	case DomainMNISTM:
		if p, _ := findDataFile("mnist_m.tar.gz", "mnist_m/mnist_m.tar.gz"); p != "" {
			return p, "mnistm-tar", true
		}
	}
	return "", "", false
}

// LoadDomain loads a split ("train" or "test") of a digit domain by name (see [DomainNames]):
//
//   - "mnist": the official IDX files ([LoadMNIST]: $MVC_DATA/mnist or the GoMNIST module);
//   - "usps": usps/usps.h5 (Kaggle) or usps/usps.bz2 / usps.t.bz2 (LIBSVM) under $MVC_DATA or
//     the fetch folder; an error saying how to get them when absent;
//   - "svhn": svhn/{train,test}_32x32.mat there; an error pointing to "syn" when absent;
//   - "syn": [GenerateSYN], the SVHN stand-in, labelled "SYN (SVHN stand-in)";
//   - "mnistm": the official mnist_m.tar.gz there when present, otherwise the recipe
//     ([MakeMNISTM]) on real MNIST over BSDS500 photos, or over procedural textures when no
//     photos are found (the Provenance says which).
//
// Each result's Provenance says exactly which file or generator (with seed) it came from.
func LoadDomain(name, split string, opts DomainOptions) (*Dataset, error) {
	name, err := canonicalDomain(name)
	if err != nil {
		return nil, err
	}
	if split != "train" && split != "test" {
		return nil, errors.Errorf("domain %s: split %q: want train or test", name, split)
	}
	if opts.N < 0 {
		return nil, errors.Errorf("domain %s: N = %d images", name, opts.N)
	}
	first := func(d *Dataset, err error) (*Dataset, error) {
		if err != nil {
			return nil, err
		}
		if opts.N > 0 {
			d = d.First(opts.N)
		}
		return d, nil
	}
	switch name {
	case DomainMNIST:
		return first(loadMNISTSplit(split))
	case DomainSYN:
		n := opts.N
		if n == 0 {
			n = map[string]int{"train": SYNDefaultTrain, "test": SYNDefaultTest}[split]
		}
		return GenerateSYN(SYNOptions{N: n, Seed: opts.Seed, Split: split})
	case DomainUSPS, DomainSVHN:
		p, format, ok := DomainFile(name, split)
		if !ok {
			return nil, missingDomainError(name, split)
		}
		fileSplit := split
		if format == "usps-libsvm" || format == "svhn-mat" {
			fileSplit = "" // the file name tells
		}
		d, _, err := ReadFormat(format, p, fileSplit)
		return first(d, err)
	case DomainMNISTM:
		switch opts.MNISTM {
		case MNISTMAuto, MNISTMArchive:
			if p, _, ok := DomainFile(name, split); ok {
				return first(ReadMNISTMTar(p, split))
			}
			if opts.MNISTM == MNISTMArchive {
				_, tried := findDataFile("mnist_m.tar.gz")
				return nil, errors.Errorf("MNIST-M archive mnist_m.tar.gz not found (looked at %s): run `mvc data fetch mnistm`",
					strings.Join(tried, ", "))
			}
		case MNISTMRecipe:
		default:
			return nil, errors.Errorf("MNIST-M source %q: want %q (archive if present), %q or %q", opts.MNISTM, MNISTMAuto, MNISTMArchive, MNISTMRecipe)
		}
		digits, err := first(loadMNISTSplit(split))
		if err != nil {
			return nil, err
		}
		bg, err := DefaultBackgrounds(opts.BackgroundDir, opts.Seed)
		if err != nil {
			return nil, err
		}
		return MakeMNISTM(digits, bg, opts.Seed)
	}
	return nil, errors.Errorf("domain %s: not handled", name) // unreachable: canonicalDomain checked it
}

func loadMNISTSplit(split string) (*Dataset, error) {
	if split == "test" {
		return LoadMNIST(MNISTTest)
	}
	return LoadMNIST(MNISTTrain)
}

// missingDomainError says where a file-based domain was looked for and how to get it.
func missingDomainError(name, split string) error {
	var rels []string
	var how string
	switch name {
	case DomainUSPS:
		rels = []string{"usps/usps.h5", "usps/usps.bz2", "usps/usps.t.bz2"}
		how = "run `mvc data fetch usps` (LIBSVM files) or put the Kaggle usps.h5 in usps/"
	case DomainSVHN:
		rels = []string{"svhn/" + split + "_32x32.mat"}
		how = "run `mvc data fetch svhn`, or use the domain \"syn\" (" + SYNLabel + ")"
	}
	_, tried := findDataFile(rels...)
	where := strings.Join(tried, ", ")
	if where == "" {
		where = "no data folder: $" + mvc.DataEnvVar + " is unset and there is no user cache folder"
	}
	return errors.Errorf("%s %s split not found (looked at %s): %s", strings.ToUpper(name), split, where, how)
}

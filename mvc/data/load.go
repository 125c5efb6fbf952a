package data

import (
	"slices"
	"strings"

	"github.com/mice2machines/mice2machines/mvc"
)

// CIFAR27Name is the name [Load] gives the paper's 27-class CIFAR-100 subset ([LoadCIFAR27]).
const CIFAR27Name = "cifar27"

// Names returns the datasets [Load] knows by name: [CIFAR27Name], then the digit domains of
// [DomainNames] (mnist, usps, svhn, mnistm, syn).
func Names() []string { return append([]string{CIFAR27Name}, DomainNames()...) }

// Load loads a split ("train" or "test") of a dataset by name: "cifar27" (also "cifar-27",
// [LoadCIFAR27] from $MVC_DATA/cifar100) or a digit domain ([LoadDomain], which also accepts the
// paper's codes M, U, S and MM). opts.N > 0 keeps the first N images; opts.Seed seeds the
// domains that are generated (SYN, MNIST-M's recipe). An unknown name or split is an error that
// [mvc.ErrInput] matches; a known dataset that is not available says how to get it.
func Load(name, split string, opts DomainOptions) (*Dataset, error) {
	if split != "train" && split != "test" {
		return nil, mvc.InputErrorf("dataset %s: split %q: want train or test", name, split)
	}
	if opts.N < 0 {
		return nil, mvc.InputErrorf("dataset %s: %d images requested", name, opts.N)
	}
	switch strings.ToLower(name) {
	case CIFAR27Name, "cifar-27":
		d, err := LoadCIFAR27(split)
		if err != nil {
			return nil, err
		}
		if opts.N > 0 {
			d = d.First(opts.N)
		}
		return d, nil
	case "":
		return nil, mvc.InputErrorf("no dataset named: want one of %s", strings.Join(Names(), ", "))
	}
	if _, err := canonicalDomain(name); err != nil {
		return nil, mvc.InputErrorf("dataset %q: want one of %s (or the domain codes M, U, S, MM)", name, strings.Join(Names(), ", "))
	}
	return LoadDomain(name, split, opts)
}

// Known tells whether [Load] knows the dataset name (whether or not its files are present).
func Known(name string) bool {
	if slices.Contains([]string{CIFAR27Name, "cifar-27"}, strings.ToLower(name)) {
		return true
	}
	_, err := canonicalDomain(name)
	return err == nil
}

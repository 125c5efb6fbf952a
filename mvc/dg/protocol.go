package dg

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc/data"
)

// ProtocolProfile sizes the literature's single-source digits protocol: DigitNet trained from
// scratch on the first 10,000 MNIST training images at 32x32 RGB, tested on SVHN, MNIST-M, SYN
// and USPS (Volpi et al., NeurIPS 2018; Xu et al., ICLR 2021; Choi et al., CVPR 2023).
type ProtocolProfile struct {
	// Name is "smoke", "quick" or "paper"; Description and Cost say what it does and costs.
	Name, Description, Cost string
	// Model is the architecture (DigitNet) and Width its width multiplier (1 = the protocol's).
	Model string
	Width float64
	// NeuRN is the window k of the +NeuRN rows.
	NeuRN int
	// RandConv configures the +RandConv rows.
	RandConv RandConv
	// Seeds is the number of seeds (1, 2, ..., Seeds).
	Seeds int
	// Training holds the data sizes and the training settings.
	Training Training
}

// protocolTraining is the literature's setting as Xu et al.'s exp_mnist10k.sh runs it (Adam,
// learning rate 1e-4, batch 32, 10,000 iterations, i.e. 32 epochs of the 10,000 images), with
// the validation set taken from MNIST training images 10,000-11,999 (disjoint from the
// training images; Xu et al. validate on the MNIST test set) and early stopping with patience 5
// restoring the best weights (theirs keep the best validation checkpoint over all iterations).
var protocolTraining = Training{
	TrainImages: 10000, ValidationImages: 2000, BatchSize: 32, LearningRate: 1e-4, MaxEpochs: 32, Patience: 5,
}

// ProtocolProfiles are the digits protocol's profiles. quick and paper run the same protocol
// at full width (their runs are shared: the spec, not the profile, names a run); paper adds
// seeds.
var ProtocolProfiles = map[string]ProtocolProfile{
	"smoke": {
		Name: "smoke", Description: "DigitNet at width 0.125, 256 + 64 MNIST images, 2 batches, 64 test images, 1 seed (tests and CI)",
		Cost:  "seconds",
		Model: DigitNetName, Width: 0.125, NeuRN: 3, RandConv: *RCMix(10), Seeds: 1,
		Training: Training{TrainImages: 256, ValidationImages: 64, TestImages: 64, BatchSize: 32, LearningRate: 1e-4, MaxEpochs: 1, StepsPerEpoch: 2},
	},
	"quick": {
		Name: "quick", Description: "the protocol at full width (DigitNet, MNIST images 0-9,999; Adam 1e-4, batch 32, at most 32 epochs with early stopping), ERM, +NeuRN (k = 3), +RandConv (RC_mix 1-7, consistency lambda 10) and +NeuRN+RandConv, 3 seeds, whole test splits",
		Cost:  "see figures/README.md for the measured sweeps",
		Model: DigitNetName, Width: 1, NeuRN: 3, RandConv: *RCMix(10), Seeds: 3, Training: protocolTraining,
	},
	"paper": {
		Name: "paper", Description: "as quick, with 5 seeds",
		Cost:  "5/3 of quick (the quick runs are reused)",
		Model: DigitNetName, Width: 1, NeuRN: 3, RandConv: *RCMix(10), Seeds: 5, Training: protocolTraining,
	},
}

// ProtocolTargets are the protocol's test domains: MNIST (the source's own test split),
// MNIST-M, SYN, and USPS and SVHN when their files are present.
func ProtocolTargets(withSVHN, withUSPS bool) []string {
	t := []string{data.DomainMNIST, data.DomainMNISTM}
	if withUSPS {
		t = append(t, data.DomainUSPS)
	}
	t = append(t, data.DomainSYN)
	if withSVHN {
		t = append(t, data.DomainSVHN)
	}
	return t
}

// protocolVariants are the protocol's rows: ERM, +NeuRN, +RandConv, +NeuRN+RandConv.
func (p ProtocolProfile) variants() []struct {
	k  int
	rc *RandConv
} {
	rc := p.RandConv
	rc.KernelSizes = slices.Clone(rc.KernelSizes)
	return []struct {
		k  int
		rc *RandConv
	}{{0, nil}, {p.NeuRN, nil}, {0, &rc}, {p.NeuRN, &rc}}
}

// Specs lists the protocol's runs, seed by seed: ERM, +NeuRN, +RandConv, +NeuRN+RandConv.
// o.Domains are the test domains (default ProtocolTargets with SVHN and USPS when found);
// o.Width, o.Impl and o.Seeds apply as for Table 1, o.Init and o.Models are not used (the
// protocol trains its one model from scratch).
func (p ProtocolProfile) Specs(o PlanOptions) ([]RunSpec, error) {
	targets := o.Domains
	if targets == nil {
		targets = ProtocolTargets(SVHNOrSYN() == data.DomainSVHN, USPSAvailable())
	}
	seeds := p.Seeds
	if o.Seeds > 0 {
		seeds = o.Seeds
	}
	if seeds < 1 || p.Model == "" {
		return nil, errors.Errorf("dg: protocol profile %q has no model or seeds", p.Name)
	}

	var specs []RunSpec
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		for _, v := range p.variants() {
			specs = append(specs, RunSpec{
				Experiment: ExperimentProtocol,
				Model:      o.model(p.Model, p.Width, v.k, seed),
				Input:      Input{Whiten: true, RandConv: v.rc},
				Source:     data.DomainMNIST, Targets: slices.Clone(targets), Seed: seed, DataSeed: 1,
				Training: p.Training,
			})
		}
	}
	return specs, nil
}

// PublishedProtocol are published accuracies (%) of the digits protocol, from Choi et al.,
// "Progressive Random Convolutions for Single Domain Generalization" (Pro-RandConv), CVPR 2023,
// Table 1, columns SVHN, MNIST-M, SYN (Ganin and Lempitsky's SynDigits), USPS.
var PublishedProtocol = []struct {
	Method string
	// SVHN, MNISTM, SYN, USPS are accuracies in percent.
	SVHN, MNISTM, SYN, USPS float64
}{
	{"ERM (published)", 32.52, 54.92, 42.34, 78.21},
	{"RandConv (published)", 61.66, 84.53, 67.87, 85.31},
	{"Pro-RandConv (published)", 69.67, 82.30, 79.77, 93.67},
}

// protocolColumns are the protocol table's columns: the literature's four targets, then MNIST
// (the source's own test split, ours only).
var protocolColumns = []struct{ domain, title string }{
	{data.DomainSVHN, "SVHN"}, {data.DomainMNISTM, "MNIST-M"}, {data.DomainSYN, "SYN"}, {data.DomainUSPS, "USPS"},
	{data.DomainMNIST, "MNIST (source test)"},
}

// protocolVariantName names a protocol row by its variant (RunSpec.Variant): "ERM", "NeuRN",
// "RandConv", "NeuRN + RandConv".
func protocolVariantName(v string) string {
	if v == "" {
		return "ERM"
	}
	return strings.ReplaceAll(strings.TrimPrefix(v, "+"), "+", " + ")
}

// BuildProtocolTable aggregates digits-protocol results into one table: our rows (ERM, NeuRN,
// RandConv, NeuRN + RandConv, each DigitNet trained from scratch; labelled with their number of
// seeds, "ERM (ours, 3 seeds)"; mean +- sd over seeds, bold where a row beats ERM beyond the
// seeds' spread, [BeatsBeyondSpread]) and the published rows ([PublishedProtocol]) under
// them. The SYN column is marked not comparable: our SYN is package data's generator, not
// Ganin and Lempitsky's SynDigits.
func BuildProtocolTable(results []*RunResult) *Table {
	t := &Table{
		Title: "Single-source digits protocol: DigitNet trained on MNIST images 0-9,999 (32x32 RGB), test accuracy (%)",
		Bold:  BoldBeyondSpread, Decimals: 2,
	}
	for _, c := range protocolColumns {
		t.Columns = append(t.Columns, c.title)
	}
	t.ColumnNotes = make([]string, len(protocolColumns))
	t.ColumnNotes[2] = "(ours: not comparable)"
	var keys []string
	cells := map[string][]Stat{}
	haveSVHN := false
	mixed := mixedSettings{}
	for _, r := range results {
		v := r.Spec.Variant()
		mixed.add(protocolVariantName(v), r.Spec)
		if _, ok := cells[v]; !ok {
			keys = append(keys, v)
			cells[v] = make([]Stat, len(protocolColumns))
		}
		for j, c := range protocolColumns {
			if tr, ok := r.Target(c.domain); ok {
				cells[v][j].Add(100*tr.Accuracy, r.ID)
				haveSVHN = haveSVHN || c.domain == data.DomainSVHN
			}
		}
	}
	slices.SortStableFunc(keys, func(a, b string) int { return variantOrder(a) - variantOrder(b) })
	erm := slices.Index(keys, "")
	for _, k := range keys {
		label := protocolVariantName(k)
		base := erm
		if k == "" {
			base = -1
		}
		seeds := 0
		for _, c := range cells[k] {
			seeds = max(seeds, c.N)
		}
		label += fmt.Sprintf(" (ours, %d seed", seeds)
		if seeds != 1 {
			label += "s"
		}
		t.Rows = append(t.Rows, Row{Label: label + ")", Model: DigitNetName, Variant: k, Base: base, Cells: cells[k]})
	}
	for _, p := range PublishedProtocol {
		var row Row
		row.Label, row.Model, row.Base = p.Method, "published", -1
		for _, v := range []float64{p.SVHN, p.MNISTM, p.SYN, p.USPS} {
			var s Stat
			s.Add(v, "Choi et al. CVPR 2023 Table 1")
			row.Cells = append(row.Cells, s)
		}
		row.Cells = append(row.Cells, Stat{})
		t.Rows = append(t.Rows, row)
	}
	if !haveSVHN {
		t.Notes = append(t.Notes, "SVHN: the SVHN files were not available here, so our rows have no SVHN column.")
	}
	t.Notes = append(t.Notes,
		"SYN: our SYN digits are generated by package data ("+data.SYNLabel+"), not Ganin and Lempitsky's SynDigits of the published rows: the column is not comparable.",
		"Published rows: Choi et al., Progressive Random Convolutions for Single Domain Generalization, CVPR 2023, Table 1 (RandConv: Xu et al., ICLR 2021).",
		"Bold: a row of ours beats our ERM beyond the seeds' spread, mean(row) - mean(ERM) > sd(row) + sd(ERM) (sample sd over seeds); with fewer than two seeds nothing is bold.")
	t.Notes = append(t.Notes, mixed.notes()...)
	return t
}

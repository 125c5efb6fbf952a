package dg

import (
	"slices"
	"strings"

	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc/data"
	"github.com/mice2machines/mice2machines/mvc/runs"
)

// DigitNetName is the factory name of the digits protocol's architecture, the DigitNet of the
// domain-generalization literature (conv 64 5x5, pool, conv 128 5x5, pool, fc 1024, fc 1024, fc
// classes; Volpi et al., NeurIPS 2018; Xu et al., ICLR 2021, lib/networks/digit_net.py), which
// package zoo registers under this name.
const DigitNetName = "digitnet"

// Experiment names, also the folders of their results.
const (
	ExperimentTable1   = "table1"
	ExperimentProtocol = "digits-protocol"
)

// Table1Profile sizes the Table 1 sweep.
type Table1Profile struct {
	// Name is "smoke", "quick" or "paper"; Description and Cost say what it does and what it
	// costs.
	Name, Description, Cost string
	// Models are the architectures (factory names), Width their width multiplier and Widths
	// the models' own where they differ (unless PlanOptions.Width says otherwise): the widths of
	// the CIFAR-27 runs they start from.
	Models []string
	Width  float64
	Widths map[string]float64
	// Inits are the models' kernel initializers where they differ from the architecture's
	// reference (ModelSpec.Init): those of the CIFAR-27 runs they start from.
	Inits map[string]string
	// NeuRN is the window k of the +NeuRN rows (the paper's default, 3).
	NeuRN int
	// RandConvModels get an extra +RandConv row with RandConv's settings.
	RandConvModels []string
	RandConv       RandConv
	// Seeds is the number of seeds a sweep trains by default (1, 2, ..., Seeds;
	// PlanOptions.Seeds replaces it). "mvc dg" also tabulates the later seeds its store holds
	// for the same settings, so a store grown with --seeds N keeps its spreads.
	Seeds int
	// InitFromCIFAR27 says whether the runs start, by default, from the model's CIFAR-27 run of
	// the same profile when one exists (the paper's ImageNet -> CIFAR-27 -> digits chain; "mvc dg
	// --init none" starts them from fresh weights).
	InitFromCIFAR27 bool
	// Training holds the data sizes and training settings of every run.
	Training Training
	// LearningRates, when a model is in it, replace Training.LearningRate for its runs.
	LearningRates map[string]float64
	// TrainImages, when a source domain (a package data name) is in it, replace
	// Training.TrainImages for the runs trained on it.
	TrainImages map[string]int
}

// Table1Profiles are the Table 1 sweep's profiles (the project's smoke / quick / paper).
var Table1Profiles = map[string]Table1Profile{
	"smoke": {
		Name: "smoke", Description: "DigitNet at width 0.125 with and without NeuRN and with RandConv, 144 training images per source, 2 batches of 32, 64 test images per target, 1 seed (tests and CI)",
		Cost:   "seconds",
		Models: []string{DigitNetName}, Width: 0.125, NeuRN: 3,
		RandConvModels: []string{DigitNetName}, RandConv: *RCMix(0), Seeds: 1, InitFromCIFAR27: true,
		Training: Training{TrainImages: 160, TestImages: 64, BatchSize: 32, MaxEpochs: 1, StepsPerEpoch: 2},
	},
	"quick": {
		Name: "quick", Description: "the 10 Table-1 models with and without NeuRN (k = 3), +RandConv (RC_mix 1-7, no consistency loss) for VGG19, ResNet50v2 and MobileNetV2, at width 0.25 (MobileNetV2, NASNetMobile and ShuffleNetV2 0.5; VGG19 with He initialization), each from its model's quick CIFAR-27 run; per source the first 10,000 MNIST, all 7,291 USPS, 10,000 SYN or SVHN and 16,000 MNIST-M training images (10% held out for early stopping, patience 5), batches of 128, at most 15 epochs, Adam at 0.001 (VGG19 0.0001, EfficientNetB0 0.003, ViT 0.0003), 2,000 test images per target, 1 seed (`--seeds N` adds more)",
		Cost:   "see figures/README.md for the measured sweeps",
		Models: table1ModelNames(), Width: 0.25, Widths: cifar27Quick.Widths, Inits: cifar27Quick.Inits, NeuRN: 3,
		RandConvModels: []string{"vgg19", "resnet50v2", "mobilenetv2"}, RandConv: *RCMix(0), Seeds: 1, InitFromCIFAR27: true,
		Training:      Training{TestImages: 2000, BatchSize: 128, MaxEpochs: 15},
		TrainImages:   map[string]int{data.DomainMNIST: 10000, data.DomainSYN: 10000, data.DomainSVHN: 10000, data.DomainMNISTM: 16000},
		LearningRates: cifar27Quick.LearningRates,
	},
	"paper": {
		Name: "paper", Description: "the 10 Table-1 models at full width with and without NeuRN (k = 3), +RandConv (RC_mix 1-7, consistency lambda 10) for VGG19, ResNet50v2 and MobileNetV2; whole training splits (10% validation), early stopping (patience 5, at most 100 epochs), whole test splits, 3 seeds, initialised from the paper-profile CIFAR-27 runs",
		Cost:   "23 rows (10 models x 2 + 3 RandConv rows) x 4 sources x 3 seeds = 276 fine-tunings at full width on up to 73,000 training images each (SVHN; 60,000 MNIST), plus the CIFAR-27 runs: on the order of days on one GPU with XLA; not feasible on the pure-Go CPU backend",
		Models: table1ModelNames(), Width: 1, NeuRN: 3,
		RandConvModels: []string{"vgg19", "resnet50v2", "mobilenetv2"}, RandConv: *RCMix(10), Seeds: 3, InitFromCIFAR27: true,
		Training: Training{MaxEpochs: 100},
	},
}

// cifar27Quick is the quick CIFAR-27 step the quick Table 1 starts from: its per-model widths,
// kernel initializers and learning rates are Table 1's too (runs.CIFAR27Profile documents why
// each departs from the paper), so that every run finds its CIFAR-27 run and learns as it did.
// The quick Table 1's sizes and epochs come from pilot runs at width 0.25:
// from its CIFAR-27 weights DenseNet121 reached 86% on MNIST-M and 85% on SYN (8,000 images,
// batches of 128) within 8 epochs; from fresh weights MobileNetV2 reached 91% on 5,000 MNIST
// images in 12 epochs, and VGG19 and EfficientNetB0 58% and 66% on 10,000 SYN images. With at
// most 10 epochs, half the NeuRN runs of DenseNet121 and EfficientNetB0 had their best epoch at
// the last (EfficientNetB0+NeuRN 94.2% on MNIST): NeuRN variants learn more slowly, so the cap is
// 15 epochs, lest it favour the bare models. On 6,000 MNIST images DenseNet121+NeuRN stayed at
// 94.6-95.8% on MNIST's test images with its best epoch before the cap, at the 95% a model that
// learned MNIST should reach: the quick profile trains on 10,000. On 8,000 MNIST-M images most
// models overfitted (training accuracy 0.93-0.97 against 0.76-0.88 on the test images;
// ShuffleNetV2 at width 0.5 77.2% and +NeuRN 76.0%, under the 80% a model that learned MNIST-M
// should reach); on 16,000 ShuffleNetV2 reached 84.8% and 84.6%, its transfers from MNIST-M
// rising too: the quick profile trains on 16,000.
var cifar27Quick = runs.CIFAR27Profiles()["quick"]

// InitOf returns the kernel initializer of the model's runs (ModelSpec.Init).
func (p Table1Profile) InitOf(model string) string { return p.Inits[model] }

// WidthOf returns the width multiplier of the model's runs: its entry in Widths, else Width.
func (p Table1Profile) WidthOf(model string) float64 {
	if w, ok := p.Widths[model]; ok {
		return w
	}
	return p.Width
}

func table1ModelNames() []string {
	var out []string
	for _, m := range Table1Models {
		out = append(out, m.Name)
	}
	return out
}

// Table1Domains returns Table 1's domains in its order (M, U, S, MM) with S resolved to sDomain
// ("svhn" or "syn"), without USPS when withUSPS is false (its files are not found).
func Table1Domains(sDomain string, withUSPS bool) []string {
	if !withUSPS {
		return []string{data.DomainMNIST, sDomain, data.DomainMNISTM}
	}
	return []string{data.DomainMNIST, data.DomainUSPS, sDomain, data.DomainMNISTM}
}

// USPSAvailable tells whether the USPS files are found (data.DomainFile).
func USPSAvailable() bool {
	_, _, ok := data.DomainFile(data.DomainUSPS, "train")
	return ok
}

// PlanOptions say what a plan can use. Zero values: every domain (S = SVHN when its files are
// found, else SYN; USPS when found), the profile's width, no initial checkpoints, no Impl.
type PlanOptions struct {
	// Domains are the available domains: Table 1's sources and targets, or the protocol's
	// targets (default Table1Domains(SVHNOrSYN(), USPSAvailable()), or ProtocolTargets).
	Domains []string
	// Width returns a model's width multiplier (nil: the profile's Width).
	Width func(model string) float64
	// Init returns the checkpoint a model starts from ("" for none), recorded in the spec.
	Init func(m ModelSpec) string
	// InitSettings returns how that checkpoint was trained, recorded in the spec (RunSpec.
	// InitSettings); nil or "" for nothing.
	InitSettings func(m ModelSpec) string
	// Impl returns the implementation that builds a model (recorded in ModelSpec.Impl).
	Impl func(model string) string
	// Seeds, when > 0, replaces the profile's number of seeds.
	Seeds int
	// Models, when set, keeps only these models of the profile.
	Models []string
}

// ProtocolVariants are the keys of the digits protocol's rows, in order ([VariantKey]); "mvc dg
// --variants" trains only some of them (the tables still show every finished run).
var ProtocolVariants = []string{"erm", "neurn", "randconv", "neurn+randconv"}

// VariantKey returns the key of a run's variant: "erm" for the bare model, else its row suffix in
// lower case without the leading "+" ("neurn", "randconv", "neurn+randconv").
func VariantKey(neurnK int, randConv bool) string {
	v := strings.ToLower(strings.TrimPrefix(variantName(neurnK, randConv), "+"))
	if v == "" {
		return "erm"
	}
	return v
}

func (o PlanOptions) model(name string, width float64, k int, seed uint64) ModelSpec {
	if o.Width != nil {
		width = o.Width(name)
	}
	m := ModelSpec{Name: name, Width: width, NeuRN: k, Classes: 10, Size: 32, Seed: seed}
	if o.Impl != nil {
		m.Impl = o.Impl(name)
	}
	return m
}

// Specs lists the profile's runs: for each seed, model, variant (bare, +NeuRN, +RandConv) and
// source domain, tested on every domain (Table 1's M, U, S, MM by default).
func (p Table1Profile) Specs(o PlanOptions) ([]RunSpec, error) {
	domains := o.Domains
	if domains == nil {
		domains = Table1Domains(SVHNOrSYN(), USPSAvailable())
	}
	for _, d := range domains {
		if DomainCode(d) == "" {
			return nil, errors.Errorf("dg: unknown domain %q", d)
		}
	}
	seeds, models := p.Seeds, p.Models
	if o.Seeds > 0 {
		seeds = o.Seeds
	}
	if o.Models != nil {
		models = nil
		for _, m := range o.Models {
			if !slices.Contains(p.Models, m) {
				return nil, errors.Errorf("dg: model %q is not in profile %s (%v)", m, p.Name, p.Models)
			}
			models = append(models, m)
		}
	}
	if seeds < 1 || len(models) == 0 {
		return nil, errors.Errorf("dg: profile %q has no models or seeds", p.Name)
	}
	var specs []RunSpec
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		for _, name := range models {
			type variant struct {
				k  int
				rc *RandConv
			}
			variants := []variant{{0, nil}, {p.NeuRN, nil}}
			if slices.Contains(p.RandConvModels, name) {
				rc := p.RandConv
				rc.KernelSizes = slices.Clone(rc.KernelSizes)
				variants = append(variants, variant{0, &rc})
			}
			for _, v := range variants {
				for _, src := range domains {
					m := o.model(name, p.WidthOf(name), v.k, seed)
					m.Init = p.InitOf(name)
					s := RunSpec{
						Experiment: ExperimentTable1, Model: m, Input: Input{RandConv: v.rc},
						Source: src, Targets: slices.Clone(domains), Seed: seed, DataSeed: 1, Training: p.Training,
					}
					if lr, ok := p.LearningRates[name]; ok {
						s.Training.LearningRate = lr
					}
					if n, ok := p.TrainImages[src]; ok {
						s.Training.TrainImages = n
					}
					if o.Init != nil {
						s.Init = o.Init(m)
					}
					if s.Init != "" && o.InitSettings != nil {
						s.InitSettings = o.InitSettings(m)
					}
					specs = append(specs, s)
				}
			}
		}
	}
	return specs, nil
}

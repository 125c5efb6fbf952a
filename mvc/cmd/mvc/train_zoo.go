package main

import (
	"github.com/mice2machines/mice2machines/mvc/train"
	"github.com/mice2machines/mice2machines/mvc/zoo"
)

// zooModel builds a zoo architecture for "mvc train --model NAME".
func zooModel(s modelSpec) (train.ModelFn, error) {
	m, err := zoo.New(s.Model, zoo.Config{Classes: s.Classes, InputSize: s.Size, Channels: 3, Width: s.Width,
		NeuRN: s.NeuRN > 0, NeuRNKernel: s.NeuRN, Seed: int64(s.Seed)})
	if err != nil {
		return nil, usageError{err}
	}
	return m.Logits, nil
}

// zooNames lists the zoo's architectures.
func zooNames() []string { return zoo.Names() }

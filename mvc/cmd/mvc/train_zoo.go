package main

import "github.com/mice2machines/mice2machines/mvc/train"

// zooModel builds a zoo architecture for "mvc train --model NAME".
func zooModel(s modelSpec) (train.ModelFn, error) {
	return nil, badInput("--model %s: the model zoo (mvc/zoo) is not in this build yet; use --onnx FILE for an ONNX backbone", s.Model)
}

// zooNames lists the zoo's architectures (none until mvc/zoo is in the build).
func zooNames() []string { return nil }

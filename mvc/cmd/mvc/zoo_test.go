package main

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestZooListJSON(t *testing.T) {
	code, stdout, stderr := runMVC("zoo", "list", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var entries []struct {
		Name      string `json:"name"`
		Params    int    `json:"params"`
		Input     int    `json:"input"`
		FirstConv []int  `json:"first_conv"`
	}
	if err := json.Unmarshal([]byte(stdout), &entries); err != nil {
		t.Fatalf("not a JSON array: %v\n%s", err, stdout)
	}
	want := map[string]struct {
		params float64
		input  int
		first  []int
	}{
		"vgg19":          {143.7e6, 224, []int{3, 3, 3, 64}},
		"resnet50v2":     {25.6e6, 224, []int{7, 7, 3, 64}},
		"densenet121":    {8.1e6, 224, []int{7, 7, 3, 64}},
		"inceptionv3":    {23.9e6, 299, []int{3, 3, 3, 32}},
		"xception":       {22.9e6, 299, []int{3, 3, 3, 32}},
		"mobilenetv2":    {3.5e6, 224, []int{3, 3, 3, 32}},
		"efficientnetb0": {5.3e6, 224, []int{3, 3, 3, 32}},
		"nasnetmobile":   {5.3e6, 224, []int{3, 3, 3, 32}},
		"alexnet":        {61e6, 224, []int{11, 11, 3, 64}},
		"resnet18":       {11.7e6, 224, []int{7, 7, 3, 64}},
		"shufflenetv2":   {2.3e6, 224, []int{3, 3, 3, 24}},
		"vit":            {86.6e6, 224, []int{16, 16, 3, 768}},
		"digitnet":       {5562216, 32, []int{5, 5, 3, 64}},
	}
	if len(entries) != len(want) {
		t.Errorf("%d entries, want %d", len(entries), len(want))
	}
	for _, e := range entries {
		w, ok := want[e.Name]
		if !ok {
			t.Errorf("unexpected model %q", e.Name)
			continue
		}
		if rel := math.Abs(float64(e.Params)-w.params) / w.params; rel > 0.02 {
			t.Errorf("%s: %d parameters, published %.1fM", e.Name, e.Params, w.params/1e6)
		}
		if e.Input != w.input || len(e.FirstConv) != 4 {
			t.Errorf("%s: input %d, first conv %v; want %d, %v", e.Name, e.Input, e.FirstConv, w.input, w.first)
			continue
		}
		for i := range 4 {
			if e.FirstConv[i] != w.first[i] {
				t.Errorf("%s: first conv %v, want %v", e.Name, e.FirstConv, w.first)
				break
			}
		}
	}
}

func TestZooListTextAndUsage(t *testing.T) {
	code, stdout, stderr := runMVC("zoo", "list")
	if code != 0 || !strings.Contains(stdout, "vgg19") || !strings.Contains(stdout, "143667240") {
		t.Errorf("zoo list: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if code, _, _ := runMVC("zoo"); code != 2 {
		t.Errorf("zoo without subcommand: exit %d, want 2", code)
	}
	if code, _, stderr := runMVC("zoo", "train"); code != 2 || !strings.Contains(stderr, "unknown subcommand") {
		t.Errorf("zoo train: exit %d, stderr %q", code, stderr)
	}
}

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckNotebook(t *testing.T) {
	cell := func(id, tags, outputs string) string {
		return `{"cell_type": "code", "id": "` + id + `", "metadata": {"tags": [` + tags + `]}, "source": [], "outputs": [` + outputs + `]}`
	}
	stream := func(text string) string { return `{"output_type": "stream", "name": "stdout", "text": ` + text + `}` }
	img := `{"output_type": "display_data", "data": {"image/png": "iVBORw0KGgo="}}`
	for _, c := range []struct {
		name, cells string
		want        []string // substrings of the problems, in order; nil: no problem
	}{
		{"clean", cell("a", `"expect-image"`, img) + "," + cell("b", "", stream(`"fine\n"`)), nil},
		{"printed error", cell("a", "", stream(`["step 1\n", "error: comparison: no NWB files\n"]`)),
			[]string{"printed error: comparison: no NWB files"}},
		{"missing image", cell("a", `"expect-image"`, stream(`"error: x\n"`)),
			[]string{"printed error: x", "expect-image but shows no image; its text output ends:\nerror: x"}},
		{"exit status", cell("a", "", stream(`"exit status 2\n"`)), []string{"exit status 2"}},
		{"panic", cell("a", "", stream(`"panic: boom\n"`)), []string{"panic:"}},
		{"missing output", cell("a", `"expect-output"`, ""), []string{"expect-output but shows nothing"}},
		{"an error word inside a line is fine", cell("a", "", stream(`"mean error: 0.1\n"`)), nil},
	} {
		path := filepath.Join(t.TempDir(), "nb.ipynb")
		if err := os.WriteFile(path, []byte(`{"cells": [`+c.cells+`]}`), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := checkNotebook(path)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if len(got) != len(c.want) {
			t.Errorf("%s: problems %q, want %d", c.name, got, len(c.want))
			continue
		}
		for i, w := range c.want {
			if !strings.Contains(got[i], w) {
				t.Errorf("%s: problem %q lacks %q", c.name, got[i], w)
			}
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.ipynb")
	_ = os.WriteFile(bad, []byte("{"), 0o644)
	if _, err := checkNotebook(bad); err == nil || !strings.Contains(err.Error(), "bad.ipynb") {
		t.Errorf("corrupt notebook: error %v", err)
	}
}

func TestKernelPathIsShort(t *testing.T) {
	t.Setenv("PATH", "/home/someone/private/bin"+string(os.PathListSeparator)+os.Getenv("PATH"))
	p := kernelPath("/gobin")
	if strings.Contains(p, "/home/someone/private/bin") {
		t.Errorf("the kernel's PATH copies the shell's: %s", p)
	}
	dirs := strings.Split(p, string(os.PathListSeparator))
	if dirs[0] != "/gobin" || !strings.Contains(p, "/usr/bin") {
		t.Errorf("kernel PATH = %s, want $GOBIN first and the system folders", p)
	}
}

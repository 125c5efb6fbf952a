// Command mvc-kernel installs the GoNB Jupyter kernel for this project and runs its notebooks
// headlessly.
//
// Usage (from the repository root):
//
//	go run ./kernel/cmd/mvc-kernel install [--raw-errors] [--gopls=false]
//	go run ./kernel/cmd/mvc-kernel run [--save] [--keep DIR] [--timeout 600] notebooks/*.ipynb
//	go run ./kernel/cmd/mvc-kernel check notebooks/*.ipynb
//
// install builds the tools pinned in go.mod (GoNB, goimports) into $GOBIN (or $GOPATH/bin), and
// gopls at [GoplsVersion] (autocompletion in the cells; --gopls=false skips it),
// installs GoNB's kernelspec into $JUPYTER_DATA_DIR (or ~/.local/share/jupyter) and gives the
// kernel a short PATH: $GOBIN (GoNB runs goimports on every cell; gopls is looked for there),
// the go command's folder and the system's standard folders, and the project's build
// environment (mvc.BuildEnv: the Go toolchain, GOEXPERIMENT=simd), so that cells compile as the
// README's set-up builds.
//
// run executes each notebook top to bottom with Jupyter's nbconvert (Debian's jupyter-nbconvert,
// /usr/bin/jupyter), then checks the executed notebook; --save writes the executed notebook back
// so its outputs are committed; --keep DIR also keeps a copy of each executed notebook in DIR
// (CI renders them to HTML and checks their outputs with .ci/check-notebooks.py). check only
// checks notebooks as saved. A notebook fails when a cell has an error output, prints "panic:", "exit status N" (N > 0; nbconvert does not fail on
// a failed "!" shell line) or a line starting "error:" (how the notebooks report a failed step),
// or lacks an expected output: cells tagged "expect-image" must show a
// PNG or SVG, cells tagged "expect-output" must show something.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc"
)

// GoplsVersion is the gopls that install adds (and the README and Docker images name): the
// newest release that builds without touching go.mod's x/tools and staticcheck.
const GoplsVersion = "v0.23.0"

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "install":
		err = runInstall(os.Args[2:])
	case "run":
		err = runNotebooks(os.Args[2:])
	case "check":
		err = runCheck(os.Args[2:])
	case "-h", "--help", "help":
		usage()
		return
	default:
		usage()
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "mvc-kernel %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, `Usage:
  mvc-kernel install [--raw-errors] [--gopls=false]  install GoNB (pinned in go.mod), goimports, gopls and the kernelspec
  mvc-kernel run [--save] [--keep DIR] [--timeout S] NB...  execute notebooks headlessly and check them
  mvc-kernel check NB...                     check saved notebooks for errors and missing outputs`)
}

// goBin returns where "go install" puts binaries.
func goBin() (string, error) {
	out, err := exec.Command("go", "env", "GOBIN", "GOPATH").Output()
	if err != nil {
		return "", errors.Wrap(err, "go env")
	}
	lines := strings.Split(string(out), "\n")
	if len(lines) > 0 && strings.TrimSpace(lines[0]) != "" {
		return strings.TrimSpace(lines[0]), nil
	}
	if len(lines) < 2 {
		return "", errors.New("go env: no GOPATH")
	}
	return filepath.Join(strings.Split(strings.TrimSpace(lines[1]), string(os.PathListSeparator))[0], "bin"), nil
}

// jupyterDataDir is where Jupyter looks for kernelspecs of this user.
func jupyterDataDir() string {
	if d := os.Getenv("JUPYTER_DATA_DIR"); d != "" {
		return d
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".local", "share", "jupyter")
}

func runInstall(args []string) error {
	fs := flag.NewFlagSet("install", flag.ContinueOnError)
	rawErrors := fs.Bool("raw-errors", false, "cells report errors as plain text (for headless runs and CI)")
	gopls := fs.Bool("gopls", true, "also install gopls "+GoplsVersion+" (autocompletion and docs in the cells; needs the module proxy)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	bin, err := goBin()
	if err != nil {
		return err
	}
	fmt.Printf("installing the tools pinned in go.mod (GoNB, goimports, staticcheck) into %s\n", bin)
	cmd := exec.Command("go", "install", "tool")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return errors.Wrap(err, "go install tool")
	}
	if *gopls {
		// gopls has its own module graph (it is not a tool of go.mod): one pinned version, the
		// one the README and the Docker images install. Optional, so a failure only warns.
		fmt.Printf("installing gopls %s (optional: autocompletion in the cells)\n", GoplsVersion)
		cmd := exec.Command("go", "install", "golang.org/x/tools/gopls@"+GoplsVersion)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "warning: gopls not installed (%v); cells run without autocompletion\n", err)
		}
	}
	gonbArgs := []string{"--install", "--force_deps", "--logtostderr=false"}
	if *rawErrors {
		gonbArgs = append(gonbArgs, "--raw_error")
	}
	cmd = exec.Command(filepath.Join(bin, "gonb"), gonbArgs...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return errors.Wrap(err, "gonb --install")
	}
	// GoNB runs goimports on every cell: $GOBIN first on the kernel's PATH, which is otherwise short.
	specPath := filepath.Join(jupyterDataDir(), "kernels", "gonb", "kernel.json")
	raw, err := os.ReadFile(specPath)
	if err != nil {
		return errors.Wrap(err, "reading the kernelspec GoNB wrote")
	}
	var spec map[string]any
	if err := json.Unmarshal(raw, &spec); err != nil {
		return errors.Wrapf(err, "parsing %s", specPath)
	}
	env, _ := spec["env"].(map[string]any)
	if env == nil {
		env = map[string]any{}
	}
	env["PATH"] = kernelPath(bin)
	// Cells build with the project's build environment (Go toolchain, SIMD matrix products).
	for _, kv := range mvc.BuildEnv {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	spec["env"] = env
	out, _ := json.MarshalIndent(spec, "", "  ")
	if err := os.WriteFile(specPath, append(out, '\n'), 0o644); err != nil {
		return errors.Wrapf(err, "writing %s", specPath)
	}
	fmt.Printf("kernel \"gonb\" installed: %s\n", specPath)
	return nil
}

// kernelPath is the PATH the kernelspec gives GoNB: $GOBIN (GoNB, goimports, gopls), the folder
// of the go command this install used, and the system's standard folders; not the installing
// shell's whole PATH, which would bake one machine's and one session's folders into the kernel.
func kernelPath(bin string) string {
	dirs := []string{bin}
	// The first go on PATH, skipping the toolchain that "go run" puts first (a folder in the
	// module cache that GOTOOLCHAIN selects anyway).
	for _, d := range filepath.SplitList(os.Getenv("PATH")) {
		if d == "" || strings.Contains(filepath.ToSlash(d), "golang.org/toolchain@") {
			continue
		}
		if st, err := os.Stat(filepath.Join(d, "go")); err == nil && !st.IsDir() {
			if abs, err := filepath.Abs(d); err == nil {
				d = abs
			}
			dirs = append(dirs, d)
			break
		}
	}
	dirs = append(dirs, "/usr/local/bin", "/usr/bin", "/bin")
	var out []string
	for _, d := range dirs {
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return strings.Join(out, string(os.PathListSeparator))
}

// jupyter finds Debian's jupyter (a pyenv python may come first on PATH without nbconvert).
func jupyter() (string, error) {
	for _, p := range []string{"/usr/bin/jupyter", "/usr/local/bin/jupyter"} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath("jupyter"); err == nil {
		return p, nil
	}
	return "", errors.New("jupyter not found: apt-get install jupyter-nbconvert python3-nbclient jupyter-client")
}

func runNotebooks(args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	save := fs.Bool("save", false, "write the executed notebooks back in place (outputs committed)")
	timeout := fs.Int("timeout", 600, "seconds a cell may run")
	keep := fs.String("keep", "", "also keep the executed notebooks in this folder (for further checks)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errors.New("no notebooks given")
	}
	if *keep != "" {
		if err := os.MkdirAll(*keep, 0o755); err != nil {
			return errors.Wrap(err, "creating the --keep folder")
		}
	}
	jup, err := jupyter()
	if err != nil {
		return err
	}
	bin, err := goBin()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "mvc-notebooks")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	var failed []string
	for _, nb := range fs.Args() {
		start := time.Now()
		fmt.Printf("=== %s\n", nb)
		abs, err := filepath.Abs(nb)
		if err != nil {
			return err
		}
		out := filepath.Join(tmp, filepath.Base(nb))
		cmd := exec.Command(jup, "nbconvert", "--to", "notebook", "--execute",
			fmt.Sprintf("--ExecutePreprocessor.timeout=%d", *timeout),
			"--ExecutePreprocessor.kernel_name=gonb",
			"--output", out, abs)
		cmd.Dir = filepath.Dir(abs)
		cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		runErr := cmd.Run()
		problems := []string{}
		if runErr != nil {
			problems = append(problems, "nbconvert: "+runErr.Error())
		}
		if _, statErr := os.Stat(out); statErr == nil {
			p, err := checkNotebook(out)
			if err != nil {
				return err
			}
			problems = append(problems, p...)
			if *save && len(problems) == 0 {
				if err := copyFile(out, abs); err != nil {
					return err
				}
			}
			if *keep != "" {
				if err := copyFile(out, filepath.Join(*keep, filepath.Base(nb))); err != nil {
					return err
				}
			}
		}
		if len(problems) > 0 {
			failed = append(failed, nb)
			for _, p := range problems {
				fmt.Printf("FAIL %s: %s\n", nb, p)
			}
		} else {
			fmt.Printf("ok   %s (%s)\n", nb, mvc.FormatDuration(time.Since(start)))
		}
	}
	if len(failed) > 0 {
		return errors.Errorf("%d of %d notebooks failed: %s", len(failed), fs.NArg(), strings.Join(failed, ", "))
	}
	return nil
}

func runCheck(args []string) error {
	if len(args) == 0 {
		return errors.New("no notebooks given")
	}
	var failed []string
	for _, nb := range args {
		problems, err := checkNotebook(nb)
		if err != nil {
			return err
		}
		for _, p := range problems {
			fmt.Printf("FAIL %s: %s\n", nb, p)
		}
		if len(problems) > 0 {
			failed = append(failed, nb)
		}
	}
	if len(failed) > 0 {
		return errors.Errorf("%d notebooks have problems: %s", len(failed), strings.Join(failed, ", "))
	}
	return nil
}

// notebook is the part of the .ipynb format (nbformat 4) the checks read.
type notebook struct {
	Cells []struct {
		CellType string `json:"cell_type"`
		ID       string `json:"id"`
		Metadata struct {
			Tags []string `json:"tags"`
		} `json:"metadata"`
		Outputs []struct {
			OutputType string          `json:"output_type"`
			Text       json.RawMessage `json:"text"`
			Data       map[string]any  `json:"data"`
			EName      string          `json:"ename"`
			EValue     string          `json:"evalue"`
		} `json:"outputs"`
	} `json:"cells"`
}

var exitStatus = regexp.MustCompile(`exit status [1-9][0-9]*`)

// checkNotebook returns the problems found in a (saved or executed) notebook.
func checkNotebook(path string) ([]string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var nb notebook
	if err := json.Unmarshal(raw, &nb); err != nil {
		return nil, errors.Wrapf(err, "%s: not a notebook", path)
	}
	var problems []string
	for i, c := range nb.Cells {
		if c.CellType != "code" {
			continue
		}
		where := fmt.Sprintf("cell %d (id %s)", i, c.ID)
		if c.ID == "" {
			problems = append(problems, where+": no id field")
		}
		hasImage, hasOutput := false, false
		var cellText strings.Builder
		for _, o := range c.Outputs {
			hasOutput = true
			text := outputText(o.Text)
			for _, v := range o.Data {
				if s, ok := v.(string); ok {
					text += s
				} else if lines, ok := v.([]any); ok {
					for _, l := range lines {
						if s, ok := l.(string); ok {
							text += s
						}
					}
				}
			}
			cellText.WriteString(text)
			for _, line := range strings.Split(text, "\n") {
				if strings.HasPrefix(strings.TrimSpace(line), "error:") {
					problems = append(problems, where+": printed "+strings.TrimSpace(line))
				}
			}
			if o.OutputType == "error" {
				problems = append(problems, fmt.Sprintf("%s: error %s: %s", where, o.EName, o.EValue))
			}
			if strings.Contains(text, "panic:") {
				problems = append(problems, where+": output contains panic:")
			}
			if m := exitStatus.FindString(text); m != "" {
				problems = append(problems, where+": output contains "+m)
			}
			if _, ok := o.Data["image/png"]; ok {
				hasImage = true
			}
			if _, ok := o.Data["image/svg+xml"]; ok {
				hasImage = true
			}
		}
		for _, tag := range c.Metadata.Tags {
			switch {
			case tag == "expect-image" && !hasImage:
				problems = append(problems, where+": tagged expect-image but shows no image")
			case tag == "expect-output" && !hasOutput:
				problems = append(problems, where+": tagged expect-output but shows nothing")
			}
		}
		if len(problems) > 0 && strings.HasPrefix(problems[len(problems)-1], where) && cellText.Len() > 0 {
			problems[len(problems)-1] += "; its text output ends:\n" + tail(cellText.String(), 1500)
		}
	}
	return problems, nil
}

// tail returns the last n bytes of s (at a line start when one is near).
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[len(s)-n:]
	if i := strings.IndexByte(s, '\n'); i >= 0 && i < 200 {
		s = s[i+1:]
	}
	return "..." + s
}

// outputText reads a stream output's text, a string or a list of strings in nbformat.
func outputText(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var lines []string
	if json.Unmarshal(raw, &lines) == nil {
		return strings.Join(lines, "")
	}
	return ""
}

func copyFile(src, dst string) error {
	raw, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	tmp := dst + ".tmp"
	if err := os.WriteFile(tmp, raw, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, dst)
}

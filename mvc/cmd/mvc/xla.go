package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/gomlx/go-xla/installer"

	"github.com/mice2machines/mice2machines/mvc"
)

func init() {
	register("xla", "install XLA's PJRT plugin (CPU, or CUDA for NVIDIA GPUs): downloads", runXLA)
}

func runXLA(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "install" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(stderr, "Usage: mvc xla install [--plugin cpu|cuda] [--dir ~/.local/lib]")
			return nil
		}
		return badInput("usage: mvc xla install [--plugin cpu|cuda] [--dir DIR]")
	}
	fs := newFlagSet("xla install", "[--plugin cpu|cuda] [--dir DIR]",
		"Downloads and installs XLA's PJRT plugin with github.com/gomlx/go-xla's installer, so that\n"+
			"GoMLX computes with XLA instead of its pure-Go backend: \"cpu\" (any x86-64 Linux machine) or\n"+
			"\"cuda\" (NVIDIA GPUs; also installs the NVIDIA libraries it needs). This is the only command\n"+
			"of the project that uses the network besides \"mvc data fetch\". Check the result with \"mvc env\".", stderr)
	plugin := fs.String("plugin", "cpu", "cpu or cuda")
	dir := fs.String("dir", "", "library directory; the plugin goes into DIR/go-xla (default ~/.local/lib, searched by default)")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if *plugin != "cpu" && *plugin != "cuda" {
		return badInput("--plugin must be cpu or cuda, got %q", *plugin)
	}
	libDir := *dir
	if libDir == "" {
		var err error
		if libDir, err = installer.DefaultHomeLibPath(); err != nil {
			return err
		}
	}
	var err error
	target := filepath.Join(libDir, "go-xla")
	switch *plugin {
	case "cpu":
		err = installer.CPUAutoInstall(target, true, installer.Normal)
	case "cuda":
		if !installer.HasNvidiaGPU() {
			return badInput("no NVIDIA GPU found (/dev/nvidia* or nvidia-smi): the CUDA plugin would not load")
		}
		err = installer.CudaAutoInstall(target, true, installer.Normal)
	}
	if err != nil {
		return fmt.Errorf("installing XLA's %s plugin into %s: %w", *plugin, target, err)
	}
	fmt.Fprintf(stdout, "installed XLA's %s plugin into %s; backend now: %s\n", *plugin, target, mvc.ChooseBackend())
	return nil
}

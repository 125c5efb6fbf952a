// Command mvc is the command-line program of mice2machines, the Go implementation of "Mice to
// Machines: Neural Representations from Visual Cortex for Domain Generalization" (Qazi, Jalil,
// Iqbal).
//
// Usage:
//
//	mvc <command> [flags]
//
// Commands:
//
//	reproduce  regenerate the paper's figures and tables (the main job)
//	neurn      apply NeuRN to images stored in a .npy file
//	bench      benchmark a component: NeuRN (neurn) or a zoo model's training (train)
//	env        show the GoMLX backend chosen and why, versions, and where data is looked for
//
// Run "mvc <command> --help" for each command's flags. Exit status: 0 on success, 2 for bad
// usage or bad input (a clear one-line message on stderr), 1 for other failures (a run
// directory in use by another process among them). A crash (a bug: a Go panic or a fatal
// runtime error, in any goroutine) ends mvc by SIGABRT after Go's traceback, which a shell
// reports as status 134, so that it is never mistaken for bad input (mvc.AbortOnCrash; not
// when GOTRACEBACK is set).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/mice2machines/mice2machines/mvc"
)

// exitUsage is the exit status for bad usage or bad input.
const exitUsage = 2

// command is one subcommand of mvc.
type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

// commands are the subcommands of mvc. Each file of this package that implements one registers
// it in an init function with [register], so adding a command touches no other file.
var commands = map[string]command{}

// register adds a subcommand; it panics on a duplicate name (a programming error caught by any
// test of this package).
func register(name, summary string, run func(args []string, stdout, stderr io.Writer) error) {
	if _, dup := commands[name]; dup {
		panic("mvc: command " + name + " registered twice")
	}
	commands[name] = command{summary, run}
}

// usageError marks errors caused by bad usage or bad input: exit status 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func badInput(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// isBadInput tells whether err comes from bad usage or input (exit status 2): a usageError of
// this program, or an error of the library that mvc.ErrInput matches.
func isBadInput(err error) bool {
	var ue usageError
	return errors.As(err, &ue) || errors.Is(err, mvc.ErrInput)
}

func main() {
	mvc.AbortOnCrash()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes mvc with args (without the program name) and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "mvc: unknown command %q; run \"mvc --help\" for the list\n", args[0])
		return exitUsage
	}
	if slowBuildMatters[args[0]] && !isHelp(args[1:]) {
		if note := mvc.BuildNote(); note != "" {
			fmt.Fprintf(stderr, "mvc %s: note: %s\n", args[0], note)
		}
	}
	err := cmd.run(args[1:], stdout, stderr)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	default:
		fmt.Fprintf(stderr, "mvc %s: %s\n", args[0], oneLine(err.Error()))
		if isBadInput(err) {
			return exitUsage
		}
		return 1
	}
}

// slowBuildMatters lists the commands that train or evaluate networks: they say so when this
// binary was built without SIMD matrix products (mvc.BuildNote).
var slowBuildMatters = map[string]bool{"train": true, "eval": true, "dg": true, "reproduce": true,
	"compare": true, "bench": true}

// isHelp tells whether args ask for a command's help.
func isHelp(args []string) bool {
	for _, a := range args {
		if a == "-h" || a == "--help" || a == "-help" {
			return true
		}
	}
	return false
}

// oneLine keeps error messages to one line, as promised to scripts reading stderr.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "mvc: mice2machines, the Go implementation of \"Mice to Machines\" (Qazi, Jalil, Iqbal)")
	fmt.Fprintln(w, "\nUsage: mvc <command> [flags]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(w, "  %-10s %s\n", name, commands[name].summary)
	}
	fmt.Fprintln(w, "\nRun \"mvc <command> --help\" for the flags of a command.")
}

// newFlagSet returns a FlagSet whose errors are returned (not printed and exited), with a usage
// line and a description printed by --help.
func newFlagSet(name, usage, description string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("mvc "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: mvc %s %s\n\n%s\n\nFlags:\n", name, usage, description)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, turning flag errors into usage errors and rejecting extra arguments.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return badInput("unexpected arguments %q (see --help)", fs.Args())
	}
	return nil
}

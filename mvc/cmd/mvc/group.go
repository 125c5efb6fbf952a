package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
)

// commandGroup is a command made of subcommands ("mvc data inspect", "mvc allen simulate"): it
// dispatches on its first argument and prints the list of subcommands for --help.
type commandGroup struct {
	name string
	// more, when set, adds to the usage text after the list of subcommands.
	more func(w io.Writer)
	subs map[string]subcommand
}

// subcommand is one subcommand of a [commandGroup].
type subcommand struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

// newGroup registers the command name, made of subcommands added with [commandGroup.add].
func newGroup(name, summary string) *commandGroup {
	g := &commandGroup{name: name, subs: map[string]subcommand{}}
	register(name, summary, g.run)
	return g
}

// add adds "mvc <group> <name>"; it panics on a duplicate name.
func (g *commandGroup) add(name, summary string, run func(args []string, stdout, stderr io.Writer) error) {
	if _, dup := g.subs[name]; dup {
		panic("mvc " + g.name + ": subcommand " + name + " registered twice")
	}
	g.subs[name] = subcommand{summary, run}
}

func (g *commandGroup) usage(w io.Writer) {
	fmt.Fprintf(w, "Usage: mvc %s <subcommand> [flags]\n\nSubcommands:\n", g.name)
	names := make([]string, 0, len(g.subs))
	for name := range g.subs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(w, "  %-9s %s\n", name, g.subs[name].summary)
	}
	if g.more != nil {
		g.more(w)
	}
	fmt.Fprintf(w, "\nRun \"mvc %s <subcommand> --help\" for its flags.\n", g.name)
}

func (g *commandGroup) run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		g.usage(stderr)
		return badInput("missing subcommand (see above)")
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		g.usage(stderr)
		return flag.ErrHelp
	}
	sub, ok := g.subs[args[0]]
	if !ok {
		return badInput("unknown subcommand %q; run \"mvc %s --help\" for the list", args[0], g.name)
	}
	if err := sub.run(args[1:], stdout, stderr); err != nil {
		if isBadInput(err) || errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%s: %w", args[0], err)
	}
	return nil
}

// parseInterspersed parses flags that may come before or after positional arguments (as in
// "mvc data inspect PATH --split train") and returns the positional arguments.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err}
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/data"
)

func init() {
	dataCommands.add("fetch", "download a dataset's official files (MD5-checked, resumable)", runDataFetch)
}

func fetchList(w io.Writer) {
	for _, s := range data.FetchSources() {
		fmt.Fprintf(w, "  %-9s %s\n", s.Name, s.Description)
		for _, f := range s.Files {
			sum := f.MD5
			if sum == "" {
				sum = fmt.Sprintf("none published; %d extracted files checked", len(f.MemberMD5))
			}
			fmt.Fprintf(w, "            %s  (MD5 %s)\n              from %s\n", f.Path, sum, strings.Join(f.URLs, "\n              or   "))
		}
		for _, f := range s.Manual {
			fmt.Fprintf(w, "            %s  (MD5 %s) by hand from %s\n", f.Path, f.MD5, f.URLs[0])
		}
		if s.Note != "" {
			fmt.Fprintf(w, "            note: %s\n", s.Note)
		}
	}
}

func runDataFetch(args []string, stdout, stderr io.Writer) error {
	var names []string
	for _, s := range data.FetchSources() {
		names = append(names, s.Name)
	}
	fs := newFlagSet("data fetch", "NAME... [--dir DIR] | --list",
		"Downloads the official files of each dataset NAME ("+strings.Join(names, ", ")+")\n"+
			"into --dir (default $"+mvc.DataEnvVar+", or mice2machines in the user cache folder when it is\n"+
			"unset), where the loaders find them. Each file is checked against its published MD5 and\n"+
			"appears under its name only once complete; an interrupted download is kept as FILE.part\n"+
			"and resumed (HTTP Range) by the next run. Archives are extracted where the loaders need\n"+
			"it (CIFAR-100 binary, BSDS500 photos); MNIST-M is read in place. Progress goes to stderr.\n"+
			"This is the only command that uses the network.", stderr)
	dir := fs.String("dir", "", "folder to download into (default: $"+mvc.DataEnvVar+" or the user cache folder)")
	list := fs.Bool("list", false, "list the datasets, files, URLs and MD5s, and download nothing")
	positional, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if *list {
		fetchList(stdout)
		return nil
	}
	if len(positional) == 0 {
		return badInput("name a dataset to fetch (%s), or --list", strings.Join(names, ", "))
	}
	for _, name := range positional {
		if _, err := data.LookupFetchSource(name); err != nil {
			return badInput("%v", err)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	fetcher := &data.Fetcher{Progress: stderr}
	for _, name := range positional {
		if err := fetcher.Fetch(ctx, name, *dir); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: done\n", name)
	}
	return nil
}

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"

	"github.com/mice2machines/mice2machines/mvc"
)

func init() {
	register("env", "show the GoMLX backend chosen and why, versions, and where data is looked for", runEnv)
}

func runEnv(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("env", "[--json]",
		"Shows the GoMLX backend that computations use and why it was chosen ($GOMLX_BACKEND, then an\n"+
			"installed XLA plugin, then the pure-Go backend: never a download), the Go and GoMLX versions,\n"+
			"and where real data is looked for ($MVC_DATA).", stderr)
	asJSON := fs.Bool("json", false, "print a JSON object instead of text")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	choice := mvc.ChooseBackend()
	dataDir, dataExists := mvc.DataDir()
	versions := mvc.Versions()
	if *asJSON {
		out := map[string]any{
			"backend":        choice.Config,
			"backend_reason": choice.Reason,
			"xla_compiled":   choice.XLACompiled,
			"xla_plugins":    choice.XLAPlugins,
			"versions":       versions,
			"data_env":       mvc.DataEnvVar,
			"data_dir":       dataDir,
			"data_exists":    dataExists,
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	fmt.Fprintf(stdout, "backend:      %s\n", choice.Config)
	fmt.Fprintf(stdout, "  why:        %s\n", choice.Reason)
	fmt.Fprintf(stdout, "  XLA:        compiled in: %v; plugins installed: %d\n", choice.XLACompiled, len(choice.XLAPlugins))
	names := make([]string, 0, len(choice.XLAPlugins))
	for name := range choice.XLAPlugins {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(stdout, "    %s: %s\n", name, choice.XLAPlugins[name])
	}
	keys := make([]string, 0, len(versions))
	for k := range versions {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintln(stdout, "versions:")
	for _, k := range keys {
		fmt.Fprintf(stdout, "  %-26s %s\n", k, versions[k])
	}
	switch {
	case dataDir == "":
		fmt.Fprintf(stdout, "data:         $%s is unset: only embedded and module-shipped data (MNIST) and simulations are used\n", mvc.DataEnvVar)
	case !dataExists:
		fmt.Fprintf(stdout, "data:         $%s = %s, which does not exist\n", mvc.DataEnvVar, dataDir)
	default:
		fmt.Fprintf(stdout, "data:         $%s = %s\n", mvc.DataEnvVar, dataDir)
	}
	return nil
}

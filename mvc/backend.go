package mvc

import (
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/gobackend"
	"github.com/pkg/errors"
)

// GoBackendName is the name under which GoMLX registers its pure-Go backend.
const GoBackendName = gobackend.BackendName

// XLABackendName is the name under which github.com/gomlx/go-xla registers the XLA backend.
const XLABackendName = "xla"

// xlaPlugins lists the PJRT plugins installed locally (name -> path). It is nil when this binary
// was built without XLA support (no cgo, or build tag noxla); see backend_xla.go.
var xlaPlugins func() map[string]string

// BackendChoice describes which GoMLX backend [Backend] uses and why.
type BackendChoice struct {
	// Config is the configuration given to compute.NewWithConfig, e.g. "go" or "xla:cuda".
	Config string
	// Name is the backend name part of Config ("go" or "xla").
	Name string
	// Reason says, in one sentence, why this backend was chosen.
	Reason string
	// XLACompiled tells whether this binary includes the XLA backend.
	XLACompiled bool
	// XLAPlugins are the PJRT plugins found installed locally, name -> path (empty when XLA is not
	// compiled in or none is installed).
	XLAPlugins map[string]string
}

// String returns the configuration and the reason, for logs.
func (c BackendChoice) String() string { return fmt.Sprintf("%s (%s)", c.Config, c.Reason) }

// ChooseBackend decides which backend to use, following the rules in the package
// documentation, without creating it. It never touches the network.
func ChooseBackend() BackendChoice {
	c := BackendChoice{XLACompiled: xlaPlugins != nil}
	if c.XLACompiled {
		c.XLAPlugins = xlaPlugins()
	}
	if cfg, ok := os.LookupEnv(compute.ConfigEnvVar); ok && strings.TrimSpace(cfg) != "" {
		c.Config = strings.TrimSpace(cfg)
		c.Name, _, _ = strings.Cut(c.Config, ":")
		c.Reason = "$" + compute.ConfigEnvVar + " is set"
		return c
	}
	if len(c.XLAPlugins) > 0 {
		plugin := preferredPlugin(c.XLAPlugins)
		c.Name, c.Config = XLABackendName, XLABackendName+":"+plugin
		c.Reason = fmt.Sprintf("$%s is unset and the XLA PJRT plugin %q is installed at %s",
			compute.ConfigEnvVar, plugin, c.XLAPlugins[plugin])
		return c
	}
	c.Name, c.Config = GoBackendName, GoBackendName
	switch {
	case !c.XLACompiled:
		c.Reason = fmt.Sprintf("$%s is unset and this binary was built without XLA (no cgo, or build tag noxla)",
			compute.ConfigEnvVar)
	default:
		c.Reason = fmt.Sprintf("$%s is unset and no XLA PJRT plugin is installed locally "+
			"(searched $PJRT_PLUGIN_LIBRARY_PATH, ~/.local/lib/go-xla, /usr/local/lib/go-xla, system library paths)",
			compute.ConfigEnvVar)
	}
	return c
}

// preferredPlugin picks CUDA over CPU over anything else, deterministically.
func preferredPlugin(plugins map[string]string) string {
	names := make([]string, 0, len(plugins))
	for name := range plugins {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, prefix := range []string{"cuda", "cpu"} {
		for _, name := range names {
			if strings.HasPrefix(name, prefix) {
				return name
			}
		}
	}
	return names[0]
}

var (
	backendOnce   sync.Once
	backendValue  compute.Backend
	backendErr    error
	backendChoice BackendChoice
)

// Backend returns the process-wide GoMLX backend chosen by [ChooseBackend], creating it on the
// first call. Every package of this project gets its backend here. It returns an error (never
// panics) when the chosen backend is not compiled in or fails to start.
func Backend() (compute.Backend, error) {
	backendOnce.Do(func() {
		backendChoice = ChooseBackend()
		backendValue, backendErr = NewBackend(backendChoice.Config)
	})
	return backendValue, backendErr
}

// NewBackend creates a backend from a configuration string "name[:options]" such as "go" or
// "xla:cpu", returning an error when the backend is not compiled into this binary (GoMLX itself
// would panic).
func NewBackend(config string) (b compute.Backend, err error) {
	name, _, _ := strings.Cut(config, ":")
	available := compute.List()
	sort.Strings(available)
	if !slices.Contains(available, name) {
		hint := ""
		if name == XLABackendName {
			hint = " (XLA needs a cgo build without the noxla tag, and a PJRT plugin installed locally)"
		}
		return nil, errors.Errorf("GoMLX backend %q is not compiled into this binary%s; available: %s",
			name, hint, strings.Join(available, ", "))
	}
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, errors.Errorf("creating GoMLX backend %q panicked: %v", config, r)
		}
	}()
	if name == GoBackendName {
		reserveHeap()
	}
	b, err = compute.NewWithConfig(config)
	if err != nil {
		return nil, errors.Wrapf(err, "creating GoMLX backend %q", config)
	}
	return b, nil
}

// MustBackend is like [Backend] but panics on error; for examples, tests and notebooks.
func MustBackend() compute.Backend {
	b, err := Backend()
	if err != nil {
		panic(err)
	}
	return b
}

package mvc_test

import (
	"strings"
	"testing"

	"github.com/mice2machines/mice2machines/mvc"
)

func TestChooseBackendHonoursEnv(t *testing.T) {
	t.Setenv("GOMLX_BACKEND", "go")
	c := mvc.ChooseBackend()
	if c.Config != "go" || c.Name != "go" || !strings.Contains(c.Reason, "GOMLX_BACKEND") {
		t.Errorf("GOMLX_BACKEND=go: got %+v", c)
	}
	t.Setenv("GOMLX_BACKEND", "xla:cuda")
	if c := mvc.ChooseBackend(); c.Config != "xla:cuda" || c.Name != "xla" {
		t.Errorf("GOMLX_BACKEND=xla:cuda: got %+v", c)
	}
}

func TestChooseBackendDefaultIsOffline(t *testing.T) {
	t.Setenv("GOMLX_BACKEND", "")
	// An empty plugin search path: no XLA plugin can be found, so the pure-Go backend is chosen.
	t.Setenv("PJRT_PLUGIN_LIBRARY_PATH", t.TempDir())
	c := mvc.ChooseBackend()
	if len(c.XLAPlugins) == 0 && c.Config != mvc.GoBackendName {
		t.Errorf("no XLA plugin installed: chose %q, want %q", c.Config, mvc.GoBackendName)
	}
	if c.Reason == "" {
		t.Error("empty reason")
	}
}

func TestNewBackendErrorsInsteadOfPanicking(t *testing.T) {
	if _, err := mvc.NewBackend("no-such-backend"); err == nil || !strings.Contains(err.Error(), "not compiled") {
		t.Errorf("unknown backend: want a 'not compiled' error, got %v", err)
	}
	// XLA with a plugin that is not installed must fail cleanly, without downloading anything.
	t.Setenv("PJRT_PLUGIN_LIBRARY_PATH", t.TempDir())
	if _, err := mvc.NewBackend("xla:no_such_plugin"); err == nil {
		t.Error("XLA with a missing plugin: want an error")
	}
	b, err := mvc.NewBackend("go")
	if err != nil {
		t.Fatal(err)
	}
	if b.Name() == "" {
		t.Error("go backend has no name")
	}
}

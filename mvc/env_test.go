package mvc

import (
	"path/filepath"
	"testing"
)

func TestPortablePath(t *testing.T) {
	data, mods := t.TempDir(), t.TempDir()
	t.Setenv(DataEnvVar, data)
	t.Setenv("GOMODCACHE", mods)
	for _, c := range []struct{ in, want string }{
		{filepath.Join(data, "usps", "usps.h5"), "$MVC_DATA/usps/usps.h5"},
		{data, "$MVC_DATA"},
		{filepath.Join(mods, "github.com", "x@v1", "data", "f.gz"), "$GOMODCACHE/github.com/x@v1/data/f.gz"},
		{data + "-other/f", data + "-other/f"},
		{"/elsewhere/f", "/elsewhere/f"},
	} {
		if got := PortablePath(c.in); got != c.want {
			t.Errorf("PortablePath(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

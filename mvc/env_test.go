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

func TestPortableText(t *testing.T) {
	home, data, mods := t.TempDir(), t.TempDir(), t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv(DataEnvVar, data)
	t.Setenv("GOMODCACHE", mods)
	in := "looked at " + filepath.Join(data, "svhn", "test.mat") + ", " + filepath.Join(home, ".cache", "x") +
		" and " + mods + "; not " + home + "ed or " + data + "-other"
	want := "looked at $MVC_DATA/svhn/test.mat, ~/.cache/x and $GOMODCACHE; not " + home + "ed or " + data + "-other"
	if got := PortableText(in); got != want {
		t.Errorf("PortableText:\n got %q\nwant %q", got, want)
	}
}

func TestCacheDir(t *testing.T) {
	t.Setenv(CacheEnvVar, "")
	home := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", home)
	if d, err := CacheDir(); err != nil || d != filepath.Join(home, "mice2machines") {
		t.Errorf("CacheDir() = %q, %v; want %s/mice2machines", d, err, home)
	}
	t.Setenv(CacheEnvVar, "rel/cache")
	want, _ := filepath.Abs("rel/cache")
	if d, err := CacheDir(); err != nil || d != want {
		t.Errorf("CacheDir() with $%s=rel/cache: %q, %v; want %s", CacheEnvVar, d, err, want)
	}
}

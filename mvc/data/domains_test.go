package data

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mice2machines/mice2machines/mvc"
)

// offline points $MVC_DATA and the user cache folder at empty (or given) folders.
func offline(t *testing.T, dataDir string) {
	t.Setenv(mvc.DataEnvVar, dataDir)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
}

func TestLoadDomainOffline(t *testing.T) {
	offline(t, "")
	if _, err := MNISTDir(); err != nil {
		t.Skip(err)
	}
	m, err := LoadDomain("M", "test", DomainOptions{N: 30})
	if err != nil || m.Name != "MNIST" || m.N != 30 || m.Split != "test" || !strings.Contains(m.Provenance, "t10k-images") {
		t.Fatalf("mnist: %v, %v", m, err)
	}
	s, err := LoadDomain("syn", "train", DomainOptions{N: 40, Seed: 3})
	if err != nil || s.Name != "SYN" || s.N != 40 || !strings.Contains(s.Provenance, SYNLabel) {
		t.Fatalf("syn: %v, %v", s, err)
	}
	mm, err := LoadDomain("MNIST-M", "test", DomainOptions{N: 30, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if mm.Name != "MNIST-M" || mm.Domain != "MM" || mm.N != 30 || mm.Channels != 3 ||
		!strings.Contains(mm.Provenance, "recipe") || !strings.Contains(mm.Provenance, "procedural") ||
		!strings.Contains(mm.Provenance, "t10k-images") {
		t.Errorf("mnistm offline: %s [%d %d], provenance %q", mm.Name, mm.N, mm.Channels, mm.Provenance)
	}
	for i, l := range mm.Labels {
		if l != m.Labels[i] {
			t.Fatalf("MNIST-M label %d is %d, MNIST's is %d", i, l, m.Labels[i])
		}
	}
	if _, err := LoadDomain("usps", "test", DomainOptions{}); err == nil || !strings.Contains(err.Error(), "mvc data fetch usps") {
		t.Errorf("usps without data: error %v", err)
	}
	if _, err := LoadDomain("S", "train", DomainOptions{}); err == nil || !strings.Contains(err.Error(), SYNLabel) {
		t.Errorf("svhn without data: error %v", err)
	}
	if _, err := LoadDomain("mnistm", "test", DomainOptions{MNISTM: MNISTMArchive}); err == nil || !strings.Contains(err.Error(), "mvc data fetch mnistm") {
		t.Errorf("mnistm archive without data: error %v", err)
	}
	for _, bad := range [][2]string{{"imagenet", "test"}, {"mnist", "validation"}} {
		if _, err := LoadDomain(bad[0], bad[1], DomainOptions{}); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
	if _, err := LoadDomain("mnistm", "test", DomainOptions{MNISTM: "magic"}); err == nil {
		t.Error("unknown MNIST-M source: no error")
	}
}

func TestLoadDomainMNISTMArchive(t *testing.T) {
	dir := t.TempDir()
	offline(t, dir)
	test := randomDigits(5, 28, 28, 3, 4)
	if err := WriteMNISTMTar(filepath.Join(dir, "mnist_m.tar.gz"), nil, test); err != nil {
		t.Fatal(err)
	}
	d, err := LoadDomain("mm", "test", DomainOptions{N: 3})
	if err != nil {
		t.Fatal(err)
	}
	if d.N != 3 || !strings.Contains(d.Provenance, "official archive") || d.Labels[2] != test.Labels[2] {
		t.Errorf("archive: N %d, provenance %q", d.N, d.Provenance)
	}
	if p, f, ok := DomainFile("mnistm", "test"); !ok || f != "mnistm-tar" || filepath.Dir(p) != dir {
		t.Errorf("DomainFile: %s %s %v", p, f, ok)
	}
	if _, err := MNISTDir(); err != nil {
		t.Skip(err)
	}
	r, err := LoadDomain("mm", "test", DomainOptions{N: 3, MNISTM: MNISTMRecipe})
	if err != nil || !strings.Contains(r.Provenance, "recipe") {
		t.Errorf("recipe asked for: %v, %v", r, err)
	}
	// A user-named photo folder without photos is an error, not a silent fallback.
	if _, err := LoadDomain("mm", "test", DomainOptions{N: 3, MNISTM: MNISTMRecipe, BackgroundDir: t.TempDir()}); err == nil {
		t.Error("empty background folder: no error")
	}
}

// TestLoadDomainsWithData checks the real files of the shared data folder ($MVC_DATA).
func TestLoadDomainsWithData(t *testing.T) {
	dir, ok := mvc.DataDir()
	if !ok {
		t.Skipf("$%s is not set to the shared data folder: real USPS and BSDS500 not tested", mvc.DataEnvVar)
	}
	if _, err := os.Stat(filepath.Join(dir, "usps", "usps.h5")); err != nil {
		t.Skipf("no usps/usps.h5 in $%s", mvc.DataEnvVar)
	}
	for split, want := range map[string]int{"train": 7291, "test": 2007} {
		u, err := LoadDomain("usps", split, DomainOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if u.N != want || u.Name != "USPS" || u.Height != 16 || !strings.Contains(u.Provenance, "usps.h5") {
			t.Errorf("usps %s: %s %d images %dx%d, provenance %q", split, u.Name, u.N, u.Height, u.Width, u.Provenance)
		}
	}
	if _, err := MNISTDir(); err != nil {
		t.Skip(err)
	}
	mm, err := LoadDomain("mnistm", "test", DomainOptions{N: 20, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, archive := DomainFile("mnistm", "test"); !archive && !strings.Contains(mm.Provenance, "BSDS500") {
		t.Errorf("with $%s the MNIST-M recipe should use BSDS500 photos: %q", mvc.DataEnvVar, mm.Provenance)
	}
}

package reproduce

import (
	"strings"
	"testing"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/data"
	"github.com/mice2machines/mice2machines/mvc/plots"
)

func checkDomainsGrid(t *testing.T, fig *plots.Figure, wantRows []string) {
	t.Helper()
	grid, ok := fig.Content.(*plots.ImageGrid)
	if !ok {
		t.Fatalf("content is %T, want *plots.ImageGrid", fig.Content)
	}
	if len(grid.RowLabels) != len(wantRows) {
		t.Fatalf("rows %q, want %q", grid.RowLabels, wantRows)
	}
	for i, want := range wantRows {
		if !strings.HasPrefix(grid.RowLabels[i], want) {
			t.Errorf("row %d is %q, want %q", i, grid.RowLabels[i], want)
		}
		for d, img := range grid.Cells[i] {
			if img == nil {
				t.Errorf("row %s: no sample of digit %d", want, d)
			} else if b := img.Bounds(); b.Dx() != 32 || b.Dy() != 32 {
				t.Errorf("row %s digit %d: %dx%d, want 32x32", want, d, b.Dx(), b.Dy())
			}
		}
	}
}

func TestDomainsFigureOffline(t *testing.T) {
	t.Setenv(mvc.DataEnvVar, "")
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	if _, err := data.MNISTDir(); err != nil {
		t.Skip(err)
	}
	fig, err := plots.Domains()
	if err != nil {
		t.Fatal(err)
	}
	checkDomainsGrid(t, fig, []string{"MNIST", "SYN\n(SVHN stand-in)", "MNIST-M\n(recipe, procedural)"})
	for _, want := range []string{"USPS row omitted", "SVHN row omitted", data.SYNLabel, "procedural colour textures", "t10k-images"} {
		if !strings.Contains(fig.Caption, want) {
			t.Errorf("caption does not say %q:\n%s", want, fig.Caption)
		}
	}
	paths, err := fig.Save(t.TempDir(), plots.DomainsName)
	if err != nil || len(paths) != 2 {
		t.Errorf("save: %v, %v", paths, err)
	}
}

func TestDomainsFigureWithData(t *testing.T) {
	if _, ok := mvc.DataDir(); !ok {
		t.Skipf("$%s unset: the USPS row and the BSDS500 recipe are not tested", mvc.DataEnvVar)
	}
	if _, _, ok := data.DomainFile("usps", "test"); !ok {
		t.Skipf("no USPS file under $%s", mvc.DataEnvVar)
	}
	if _, _, ok := data.DomainFile("mnistm", "test"); ok {
		t.Skip("an official MNIST-M archive is present: the recipe row is not drawn")
	}
	fig, err := plots.Domains()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"MNIST", "USPS"}
	if _, _, ok := data.DomainFile("svhn", "test"); ok {
		want = append(want, "SVHN")
	}
	checkDomainsGrid(t, fig, append(want, "SYN\n(SVHN stand-in)", "MNIST-M\n(recipe, BSDS500)"))
	if !strings.Contains(fig.Caption, "BSDS500 training photographs") || strings.Contains(fig.Caption, "USPS row omitted") {
		t.Errorf("caption:\n%s", fig.Caption)
	}
}

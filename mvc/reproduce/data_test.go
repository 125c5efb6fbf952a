package reproduce

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/data"
	"github.com/mice2machines/mice2machines/mvc/plots"
)

func TestReproduceCIFAR27SkipsOffline(t *testing.T) {
	t.Setenv(mvc.DataEnvVar, "")
	dir := t.TempDir()
	stdout, err := runSteps(t, "smoke", dir, plots.CIFAR27Name)
	if err != nil || !strings.Contains(stdout, "skipped: CIFAR-100") {
		t.Fatalf("err %v, stdout %q", err, stdout)
	}
	if _, err := os.Stat(filepath.Join(dir, plots.CIFAR27Name+".png")); err == nil {
		t.Error("figure written without data")
	}
}

func TestCIFAR27FigureFromFixture(t *testing.T) {
	// A CIFAR-100 file written with the project's writer: 3 images of each CIFAR-27 class but one.
	root := t.TempDir()
	var labels []int
	for _, name := range data.CIFAR27Classes[1:] {
		fine, err := data.ResolveCIFAR100Class(data.CIFAR100FineLabelNames, name)
		if err != nil {
			t.Fatal(err)
		}
		labels = append(labels, fine, fine, fine)
	}
	d := &data.Dataset{Name: "fixture", N: len(labels), Height: 32, Width: 32, Channels: 3,
		Pixels: make([]uint8, len(labels)*3072), Labels: labels, ClassNames: data.CIFAR100FineLabelNames}
	for i := range d.Pixels {
		d.Pixels[i] = uint8(i * 7)
	}
	if err := data.WriteCIFAR100(filepath.Join(root, "cifar100", "train.bin"), d, nil); err != nil {
		t.Fatal(err)
	}
	t.Setenv(mvc.DataEnvVar, root)
	out := t.TempDir()
	if stdout, err := runSteps(t, "smoke", out, plots.CIFAR27Name); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	for _, ext := range []string{".png", ".svg"} {
		if st, err := os.Stat(filepath.Join(out, plots.CIFAR27Name+ext)); err != nil || st.Size() < 1000 {
			t.Errorf("%s%s: %v", plots.CIFAR27Name, ext, err)
		}
	}
	c27, err := data.LoadCIFAR27("train")
	if err != nil {
		t.Fatal(err)
	}
	fig, err := plots.CIFAR27Samples(c27, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(fig.Caption, "butterfly (0)") || !strings.Contains(fig.Caption, "chimpanzee (3)") {
		t.Errorf("caption does not list the classes with too few images: %s", fig.Caption)
	}
}

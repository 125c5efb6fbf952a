package reproduce

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/data"
	"github.com/mice2machines/mice2machines/mvc/plots"
)

// cifar27PerClass is the number of samples of each class the figure shows.
const cifar27PerClass = 10

func init() {
	register(21, plots.CIFAR27Name,
		"Supplementary Figure S2: CIFAR-27 samples, one row per class (needs $MVC_DATA/cifar100; skipped without)", reproduceCIFAR27)
}

func reproduceCIFAR27(c *Context) error {
	dir, _ := mvc.DataDir()
	if _, err := os.Stat(filepath.Join(dir, "cifar100", "train.bin")); dir == "" || err != nil {
		fmt.Fprintf(c.Stdout, "  skipped: CIFAR-100 does not ship with the code and no copy was found "+
			"($%s/cifar100/train.bin); set $%s to a folder holding the official binary files to draw this figure\n",
			mvc.DataEnvVar, mvc.DataEnvVar)
		return nil
	}
	d, err := data.LoadCIFAR27("train")
	if err != nil {
		return err
	}
	fig, err := plots.CIFAR27Samples(d, cifar27PerClass)
	if err != nil {
		return err
	}
	paths, err := fig.Save(c.Out, plots.CIFAR27Name)
	if err != nil {
		return err
	}
	c.Wrote(paths...)
	return nil
}

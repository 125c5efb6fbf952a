package reproduce

import (
	"fmt"
	"strings"

	"github.com/mice2machines/mice2machines/mvc/plots"
)

func init() {
	register(22, plots.DomainsName,
		"samples of each digit domain at 32x32 (MNIST, USPS, SVHN or SYN, MNIST-M)", reproduceDomains)
}

func reproduceDomains(c *Context) error {
	fig, err := plots.Domains()
	if err != nil {
		return err
	}
	paths, err := fig.Save(c.Out, plots.DomainsName)
	if err != nil {
		return err
	}
	c.Wrote(paths...)
	for _, line := range strings.Split(fig.Caption, "\n")[1:] { // the rows' sources
		fmt.Fprintf(c.Stdout, "  %s\n", line)
	}
	return nil
}

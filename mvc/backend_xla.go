//go:build cgo && !noxla

package mvc

import (
	// Registers the "xla" backend. Its autoinstall sub-package, which downloads plugins, is
	// deliberately not imported: XLA is used only when a plugin is already installed.
	xla "github.com/gomlx/go-xla/compute/xla"
	"github.com/gomlx/go-xla/pjrt"
)

func init() {
	xla.EnableAutoInstall(false)
	xlaPlugins = pjrt.AvailablePlugins
}

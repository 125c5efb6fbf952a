package main

import "testing"

// The install itself downloads, so tests only cover usage and bad input.
func TestXLAUsage(t *testing.T) {
	if code, _, _ := runMVC("xla", "--help"); code != 0 {
		t.Errorf("mvc xla --help: exit %d", code)
	}
	if code, _, stderr := runMVC("xla", "install", "--plugin", "tpu"); code != exitUsage {
		t.Errorf("unknown plugin: exit %d (%s)", code, stderr)
	}
	if code, _, _ := runMVC("xla"); code != exitUsage {
		t.Errorf("no subcommand: exit %d", code)
	}
}

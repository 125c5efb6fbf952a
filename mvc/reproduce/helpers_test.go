package reproduce

import (
	"bytes"
	"context"
	"testing"

	"github.com/mice2machines/mice2machines/mvc"
)

// runSteps runs the named steps of a profile into out and returns what they printed.
func runSteps(t *testing.T, profile, out string, only ...string) (string, error) {
	t.Helper()
	var b bytes.Buffer
	err := Run(context.Background(), Options{Profile: profile, Out: out, Only: only, Backend: mvc.MustBackend(), Stdout: &b})
	return b.String(), err
}

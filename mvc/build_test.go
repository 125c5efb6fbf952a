package mvc_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mice2machines/mice2machines/mvc"
)

// TestBuildEnvOnePlace checks that every place that sets up a build says what mvc.BuildEnv says:
// the README's set-up line, CI and both Docker images.
func TestBuildEnvOnePlace(t *testing.T) {
	root := ".."
	line := mvc.BuildEnvLine()
	for _, name := range []string{"README.md", filepath.Join(".ci", "run")} {
		raw, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for l := range strings.SplitSeq(string(raw), "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), line) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s has no line starting %q", name, line)
		}
	}
	for _, name := range []string{"Dockerfile", "Dockerfile.cuda"} {
		raw, err := os.ReadFile(filepath.Join(root, "docker", name))
		if err != nil {
			t.Fatal(err)
		}
		for _, kv := range mvc.BuildEnv {
			if !strings.Contains(string(raw), kv) {
				t.Errorf("docker/%s does not set %s", name, kv)
			}
		}
	}
	goMod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for l := range strings.SplitSeq(string(goMod), "\n") {
		if v, ok := strings.CutPrefix(l, "go "); ok && !strings.HasPrefix(mvc.GoToolchain, "go"+v) {
			t.Errorf("go.mod requires go %s, but the build environment's toolchain is %s", v, mvc.GoToolchain)
		}
	}
}

// ExampleBuildEnvLine prints the README's set-up line: the environment the project builds with.
func ExampleBuildEnvLine() {
	fmt.Println(mvc.BuildEnvLine())
	// Output: export GOTOOLCHAIN=go1.27.3 GOEXPERIMENT=simd
}

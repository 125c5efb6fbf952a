package kernel_test

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDockerfiles checks what can be checked without a Docker engine (none runs on the CI
// machine): every instruction is a known Dockerfile keyword, each file starts from a base image,
// every path COPY takes from the build context exists, and the image installs the kernel and
// starts JupyterLab.
func TestDockerfiles(t *testing.T) {
	root := filepath.Join("..")
	keywords := map[string]bool{"FROM": true, "RUN": true, "CMD": true, "LABEL": true, "EXPOSE": true, "ENV": true,
		"ADD": true, "COPY": true, "ENTRYPOINT": true, "VOLUME": true, "USER": true, "WORKDIR": true, "ARG": true,
		"ONBUILD": true, "STOPSIGNAL": true, "HEALTHCHECK": true, "SHELL": true}
	for _, name := range []string{"Dockerfile", "Dockerfile.cuda"} {
		path := filepath.Join(root, "docker", name)
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		var instructions []string
		var cont string
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if cont == "" && (line == "" || strings.HasPrefix(line, "#")) {
				continue
			}
			if strings.HasSuffix(line, "\\") {
				cont += strings.TrimSuffix(line, "\\") + " "
				continue
			}
			instructions = append(instructions, cont+line)
			cont = ""
		}
		_ = f.Close()
		if cont != "" {
			t.Errorf("%s: ends inside a continued line", name)
		}
		if len(instructions) == 0 || !strings.HasPrefix(instructions[0], "FROM ") && !strings.HasPrefix(instructions[0], "ARG ") {
			t.Errorf("%s: does not start with FROM (or ARG)", name)
		}
		all := strings.Join(instructions, "\n")
		for _, want := range []string{"FROM ", "mvc-kernel install", "jupyter", "go build ./..."} {
			if !strings.Contains(all, want) {
				t.Errorf("%s: lacks %q", name, want)
			}
		}
		for _, ins := range instructions {
			word := strings.Fields(ins)[0]
			if !keywords[strings.ToUpper(word)] {
				t.Errorf("%s: unknown instruction %q", name, word)
			}
			if strings.ToUpper(word) == "COPY" {
				fields := strings.Fields(ins)[1:]
				var srcs []string
				for _, f := range fields {
					if !strings.HasPrefix(f, "--") {
						srcs = append(srcs, f)
					}
				}
				for _, src := range srcs[:len(srcs)-1] {
					if _, err := os.Stat(filepath.Join(root, src)); err != nil {
						t.Errorf("%s: COPY source %q does not exist in the build context", name, src)
					}
				}
			}
		}
	}
}

package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mice2machines/mice2machines/mvc/data"
	"github.com/mice2machines/mice2machines/mvc/neurn"
	"github.com/mice2machines/mice2machines/mvc/reproduce"
)

// runMVC runs the command in-process and returns its exit status, stdout and stderr.
func runMVC(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestHelpForEveryCommand(t *testing.T) {
	if code, _, stderr := runMVC("--help"); code != 0 || !strings.Contains(stderr, "reproduce") {
		t.Errorf("mvc --help: exit %d, stderr %q", code, stderr)
	}
	for _, args := range [][]string{{"neurn", "--help"}, {"env", "--help"}, {"reproduce", "--help"}, {"bench", "--help"}, {"bench", "neurn", "--help"}, {"bench", "train", "--help"}} {
		code, _, stderr := runMVC(args...)
		if code != 0 || !strings.Contains(stderr, "Usage: mvc") {
			t.Errorf("mvc %v: exit %d, stderr %q", args, code, stderr)
		}
	}
	if code, _, _ := runMVC("frobnicate"); code != exitUsage {
		t.Errorf("unknown command: exit %d, want %d", code, exitUsage)
	}
	if code, _, _ := runMVC("neurn", "--bogus"); code != exitUsage {
		t.Errorf("unknown flag: exit %d, want %d", code, exitUsage)
	}
}

func TestNeuRNCommandMatchesReference(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "x.npy"), filepath.Join(dir, "y.npy")
	rng := rand.New(rand.NewPCG(9, 9))
	shape := []int{3, 10, 12, 3}
	values := make([]float32, 3*10*12*3)
	for i := range values {
		values[i] = rng.Float32()
	}
	if err := data.WriteNPYFloat32(in, values, shape); err != nil {
		t.Fatal(err)
	}
	for _, perChannel := range []bool{false, true} {
		for _, k := range []int{1, 3, 5, 7, 9} {
			args := []string{"neurn", "--k", itoa(k), "--in", in, "--out", out}
			if perChannel {
				args = append(args, "--per-channel")
			}
			if code, _, stderr := runMVC(args...); code != 0 {
				t.Fatalf("mvc %v: exit %d: %s", args, code, stderr)
			}
			got, gotShape, err := data.ReadNPYFloat32(out)
			if err != nil {
				t.Fatal(err)
			}
			if !equalInts(gotShape, shape) {
				t.Fatalf("output shape %v, want %v", gotShape, shape)
			}
			in64 := make([]float64, len(values))
			for i, v := range values {
				in64[i] = float64(v)
			}
			want, _ := neurn.Reference(in64, 3, 10, 12, 3, k, perChannel)
			for i := range want {
				if d := math.Abs(float64(got[i]) - want[i]); !(d <= 1e-5) {
					t.Fatalf("k=%d perChannel=%v: value %d = %v, reference %v", k, perChannel, i, got[i], want[i])
				}
			}
		}
	}
}

// writeRawNPY writes a .npy file with the given dtype descriptor and shape string, for inputs
// that WriteNPYFloat32 cannot produce.
func writeRawNPY(t *testing.T, path, descr, shape string, payload []byte) {
	t.Helper()
	header := "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }"
	total := 10 + len(header) + 1
	header += strings.Repeat(" ", (64-total%64)%64) + "\n"
	var buf bytes.Buffer
	buf.WriteString("\x93NUMPY\x01\x00")
	_ = binary.Write(&buf, binary.LittleEndian, uint16(len(header)))
	buf.WriteString(header)
	buf.Write(payload)
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestNeuRNCommandBadInput(t *testing.T) {
	dir := t.TempDir()
	rank3 := filepath.Join(dir, "rank3.npy")
	if err := data.WriteNPYFloat32(rank3, make([]float32, 2*4*4), []int{2, 4, 4}); err != nil {
		t.Fatal(err)
	}
	f64 := filepath.Join(dir, "f64.npy")
	writeRawNPY(t, f64, "<f8", "(1, 2, 2, 1)", make([]byte, 8*4))
	nan := filepath.Join(dir, "nan.npy")
	nanValues := make([]float32, 1*3*3*1)
	nanValues[4] = float32(math.NaN())
	if err := data.WriteNPYFloat32(nan, nanValues, []int{1, 3, 3, 1}); err != nil {
		t.Fatal(err)
	}
	corrupt := filepath.Join(dir, "corrupt.npy")
	if err := os.WriteFile(corrupt, []byte("not a numpy file at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(dir, "truncated.npy")
	writeRawNPY(t, truncated, "<f4", "(1, 4, 4, 1)", make([]byte, 4*7))
	cases := []struct {
		name, in, k, wantInMessage string
	}{
		{"missing file", filepath.Join(dir, "nope.npy"), "3", "nope.npy"},
		{"wrong rank", rank3, "3", "rank 4"},
		{"wrong dtype", f64, "3", "float64"},
		{"NaN", nan, "3", "non-finite"},
		{"corrupt", corrupt, "3", "corrupt.npy"},
		{"truncated", truncated, "3", "truncated.npy"},
		{"even k", rank3, "4", "odd"},
	}
	for _, c := range cases {
		out := filepath.Join(dir, c.name+".out.npy")
		code, _, stderr := runMVC("neurn", "--k", c.k, "--in", c.in, "--out", out)
		if code != exitUsage {
			t.Errorf("%s: exit %d, want %d (stderr %q)", c.name, code, exitUsage, stderr)
		}
		if strings.Count(strings.TrimRight(stderr, "\n"), "\n") != 0 || !strings.Contains(stderr, c.wantInMessage) {
			t.Errorf("%s: want one line on stderr mentioning %q, got %q", c.name, c.wantInMessage, stderr)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("%s: output file left behind", c.name)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

func TestEnv(t *testing.T) {
	t.Setenv("MVC_DATA", t.TempDir())
	code, stdout, stderr := runMVC("env")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"backend:", "why:", "github.com/gomlx/gomlx", "go1.", "MVC_DATA"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("mvc env output lacks %q:\n%s", want, stdout)
		}
	}
	t.Setenv("GOMLX_BACKEND", "go")
	code, stdout, _ = runMVC("env", "--json")
	if code != 0 || !strings.Contains(stdout, `"backend": "go"`) || !strings.Contains(stdout, "GOMLX_BACKEND is set") {
		t.Errorf("mvc env --json with GOMLX_BACKEND=go: exit %d, output %s", code, stdout)
	}
}

func TestReproduceSmoke(t *testing.T) {
	// Its own cache: what earlier runs left in the user's cache must not decide the outcome.
	t.Setenv("MVC_CACHE", t.TempDir())
	dir := t.TempDir()
	code, stdout, stderr := runMVC("reproduce", "--profile", "smoke", "--out", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// Its steps train models, so they run in a supervised child process.
	if !strings.Contains(stderr, "started training process") {
		t.Errorf("reproduce with training steps ran unsupervised:\n%s", stderr)
	}
	for _, name := range []string{"neurn_examples.png", "neurn_examples.svg"} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil || st.Size() < 1000 {
			t.Errorf("%s not written (or too small): %v\n%s", name, err, stdout)
		}
	}
	// With CIFAR-100 at hand (MVC_DATA), step train_cifar27 trains its 2 smoke runs and counts them.
	if strings.Contains(stdout, "cifar27-digitnet-smoke: 1 epochs") && !strings.Contains(stdout, "2 of 2 runs done") {
		t.Errorf("train_cifar27 trained without counting its runs:\n%s", stdout)
	}
	// A clone has the runs' summaries without their checkpoints: --rebuild-checkpoints trains
	// them again and keeps the checkpoint, the summary untouched.
	if strings.Contains(stdout, "2 of 2 runs done") {
		run := filepath.Join(dir, "runs", "cifar27-digitnet-smoke")
		if err := os.Remove(filepath.Join(run, "checkpoint.bin")); err != nil {
			t.Fatal(err)
		}
		code, out, errOut := runMVC("reproduce", "--profile", "smoke", "--out", dir, "--only", "train_cifar27", "--rebuild-checkpoints", "digitnet")
		if code != 0 || !strings.Contains(out, "cifar27-digitnet-smoke: checkpoint rebuilt") ||
			!strings.Contains(out, "wrote "+filepath.Join(run, "checkpoint.bin")) || strings.Contains(out, "wrote "+filepath.Join(run, "result.json")) {
			t.Errorf("--rebuild-checkpoints digitnet: exit %d\n%s\n%s", code, out, errOut)
		}
		if code, _, errOut := runMVC("reproduce", "--profile", "smoke", "--out", dir, "--only", "train_cifar27", "--rebuild-checkpoints", "vgg19"); code != exitUsage ||
			!strings.Contains(errOut, `"vgg19" is not a model of the smoke profile`) {
			t.Errorf("--rebuild-checkpoints vgg19 (not in the smoke step): exit %d, %s", code, errOut)
		}
	}
	if code, _, _ := runMVC("reproduce", "--profile", "huge"); code != exitUsage {
		t.Errorf("unknown profile: exit %d, want %d", code, exitUsage)
	}
}

// Without --out, the smoke profile writes into figures-smoke, never over the committed figures/.
func TestReproduceSmokeDefaultOut(t *testing.T) {
	t.Setenv("MVC_CACHE", t.TempDir())
	t.Chdir(t.TempDir())
	code, _, stderr := runMVC("reproduce", "--profile", "smoke", "--only", "neurn_examples")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.Contains(stderr, "started training process") {
		t.Errorf("reproduce --only neurn_examples (no training) started a supervised child:\n%s", stderr)
	}
	if _, err := os.Stat(filepath.Join(reproduce.SmokeOut, "neurn_examples.png")); err != nil {
		t.Errorf("the smoke profile did not write into %s: %v", reproduce.SmokeOut, err)
	}
	if _, err := os.Stat("figures"); !os.IsNotExist(err) {
		t.Errorf("the smoke profile touched figures/ (stat: %v)", err)
	}
	// dg too (compare shares the same default).
	if code, _, stderr := runMVC("dg", "--profile", "smoke", "--experiment", "protocol", "--tables-only", "--quiet"); code != 0 {
		t.Fatalf("dg --tables-only: exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(reproduce.SmokeOut, "table_digits_protocol.md")); err != nil {
		t.Errorf("dg smoke did not write into %s: %v", reproduce.SmokeOut, err)
	}
	if _, err := os.Stat("figures"); !os.IsNotExist(err) {
		t.Errorf("dg smoke touched figures/ (stat: %v)", err)
	}
	if reproduce.DefaultOut("quick") != "figures" || reproduce.DefaultOut("paper") != "figures" {
		t.Error("quick and paper must write into figures/ by default")
	}
}

func TestBenchNeuRNRuns(t *testing.T) {
	code, stdout, stderr := runMVC("bench", "neurn", "--batch", "2", "--size", "8", "--k", "3", "--duration", "20ms")
	if code != 0 || !strings.Contains(stdout, "NeuRN on 2 images") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if code, _, _ := runMVC("bench", "neurn", "--k", "4"); code != exitUsage {
		t.Errorf("even k: exit %d, want %d", code, exitUsage)
	}
}

func TestBenchTrainJSON(t *testing.T) {
	code, stdout, stderr := runMVC("bench", "train", "--model", "digitnet", "--width", "0.125", "--batch", "4",
		"--duration", "10ms", "--json")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	var got struct {
		Model           string  `json:"model"`
		Width           float64 `json:"width"`
		Batch, Steps    int
		ImagesPerSecond float64 `json:"images_per_second"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("stdout is not one JSON object: %v: %q", err, stdout)
	}
	if got.Model != "digitnet" || got.Width != 0.125 || got.Batch != 4 || got.Steps < 2 || !(got.ImagesPerSecond > 0) {
		t.Errorf("got %+v", got)
	}
	code, stdout, _ = runMVC("bench", "neurn", "--batch", "2", "--size", "8", "--k", "3,5", "--duration", "10ms", "--json")
	if code != 0 || strings.Count(stdout, "images_per_second") != 2 {
		t.Errorf("bench neurn --json: exit %d, stdout %q", code, stdout)
	}
	for _, args := range [][]string{
		{"bench", "train"},                                        // no model
		{"bench", "train", "--model", "nosuchnet"},                // unknown model
		{"bench", "train", "--model", "digitnet", "--batch", "0"}, // bad batch
		{"bench", "train", "--model", "digitnet", "--neurn", "4"}, // even window
	} {
		if code, _, stderr := runMVC(args...); code != exitUsage {
			t.Errorf("mvc %v: exit %d (want %d), stderr %q", args, code, exitUsage, stderr)
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func equalInts(a, b []int) bool { return slices.Equal(a, b) }

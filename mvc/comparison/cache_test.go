package comparison

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mice2machines/mice2machines/mvc"
)

func TestCachedComputesOnceAndFollowsInputs(t *testing.T) {
	s := tinySurvey(t)
	p, err := LookupProfile("smoke")
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	opts := Options{Profile: p, RunsDir: t.TempDir(), RunProfile: "smoke", Backend: mvc.MustBackend(), Seed: 42,
		Log: &log, CacheDir: t.TempDir()}
	files, data := SurveyFiles(s), SurveyDescription(s)
	first, err := Cached(files, data, opts)
	if err != nil {
		t.Fatal(err)
	}
	if first.Computed.IsZero() {
		t.Error("a computed result has no Computed time")
	}
	log.Reset()
	second, err := Cached(files, data, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "reusing") {
		t.Errorf("second call did not reuse the cached result; log:\n%s", log.String())
	}
	if !reflect.DeepEqual(first.Table, second.Table) || len(first.Cells) != len(second.Cells) ||
		!reflect.DeepEqual(first.Models[0].Selected, second.Models[0].Selected) {
		t.Error("the cached result differs from the computed one")
	}
	key, err := CacheKey(files, data, opts)
	if err != nil {
		t.Fatal(err)
	}
	// Every input changes the key: the seed, the profile, a survey file, a kernel source.
	changed := func(what string, o Options) {
		t.Helper()
		k, err := CacheKey(files, data, o)
		if err != nil {
			t.Fatal(err)
		}
		if k == key {
			t.Errorf("changing %s keeps the cache key", what)
		}
	}
	o := opts
	o.Seed = 43
	changed("the seed", o)
	o = opts
	o.Profile.Resamples++
	changed("the profile", o)
	future := time.Now().Add(time.Hour)
	if err := os.Chtimes(files[0], future, future); err != nil {
		t.Fatal(err)
	}
	changed("a survey file", opts)
	if key, err = CacheKey(files, data, opts); err != nil {
		t.Fatal(err)
	}
	run := filepath.Join(opts.RunsDir, "cifar27-digitnet-smoke")
	if err := os.MkdirAll(run, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(run, KernelsFile), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if kernelSourceFile("digitnet", false, opts) == "" {
		t.Fatalf("the kernels file in %s is not found; run names changed?", run)
	}
	changed("a kernel source", opts)
	// One result is kept, under the key of the first inputs.
	matches, _ := filepath.Glob(filepath.Join(opts.CacheDir, "result-smoke-*.gob"))
	if len(matches) != 1 {
		t.Fatalf("cache holds %v, want one result", matches)
	}
	if _, err := CacheKey([]string{filepath.Join(t.TempDir(), "missing.nwb")}, data, opts); err == nil {
		t.Error("a missing NWB file: want an error")
	}
}

func TestCachedReplacesAnUnreadableResult(t *testing.T) {
	s := tinySurvey(t)
	p, _ := LookupProfile("smoke")
	var log bytes.Buffer
	opts := Options{Profile: p, Backend: mvc.MustBackend(), Seed: 42, Log: &log, CacheDir: t.TempDir()}
	files, data := SurveyFiles(s), SurveyDescription(s)
	key, err := CacheKey(files, data, opts)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(opts.CacheDir, "result-smoke-"+key+".gob")
	if err := os.WriteFile(path, []byte("not a result"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Cached(files, data, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Table == nil || !strings.Contains(log.String(), "unreadable") {
		t.Errorf("unreadable cache not recomputed; log:\n%s", log.String())
	}
	if _, err := readResult(path); err != nil {
		t.Errorf("the recomputed result was not cached: %v", err)
	}
}

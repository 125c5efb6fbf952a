package main

import (
	"strings"
	"testing"
)

// The fetch command is tested without the network: listing, help and bad names only (the
// downloader itself is tested against a loopback server in package data).
func TestDataFetchCommand(t *testing.T) {
	code, stdout, _ := runMVC("data", "fetch", "--list")
	if code != 0 {
		t.Fatalf("--list: exit %d", code)
	}
	for _, want := range []string{"mnist", "usps", "svhn", "mnistm", "cifar100", "bsds500",
		"859df31c91afe82e80e5012ba928f279", "Kaggle", "usps.h5"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("--list does not show %q", want)
		}
	}
	if code, _, stderr := runMVC("data", "fetch", "--help"); code != 0 || !strings.Contains(stderr, "resumed") {
		t.Errorf("--help: exit %d, %q", code, stderr)
	}
	if code, _, stderr := runMVC("data", "fetch"); code != exitUsage || !strings.Contains(stderr, "name a dataset") {
		t.Errorf("no name: exit %d, %q", code, stderr)
	}
	if code, _, stderr := runMVC("data", "fetch", "imagenet", "--dir", t.TempDir()); code != exitUsage || !strings.Contains(stderr, "unknown dataset") {
		t.Errorf("unknown name: exit %d, %q", code, stderr)
	}
}

package mvc

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestBar(t *testing.T) {
	for _, c := range []struct {
		done, total, width int
		want               string
	}{
		{0, 10, 5, ">    "},
		{4, 10, 5, "==>  "},
		{10, 10, 5, "====="},
		{12, 10, 5, "====="},
		{-1, 10, 5, ">    "},
		{0, 0, 3, "==="},
	} {
		if got := Bar(c.done, c.total, c.width); got != c.want {
			t.Errorf("Bar(%d, %d, %d) = %q, want %q", c.done, c.total, c.width, got, c.want)
		}
	}
}

func TestProgressLine(t *testing.T) {
	var b bytes.Buffer
	p := NewProgressLine(&b, "cells")
	p.Update(1, 4)
	p.Update(4, 4)
	out := b.String()
	if !strings.Contains(out, "cells [=======>") || !strings.Contains(out, "1/4, ETA") ||
		!strings.HasSuffix(out, "\n") || !strings.Contains(out, "4/4 in ") {
		t.Errorf("progress output %q", out)
	}
}

func TestLockedWriter(t *testing.T) {
	var mu sync.Mutex
	var b bytes.Buffer
	w := LockedWriter{Mu: &mu, W: &b}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				_, _ = w.Write([]byte("line\n"))
			}
		})
	}
	wg.Wait()
	if got := strings.Count(b.String(), "line\n"); got != 800 || b.Len() != 800*5 {
		t.Errorf("%d whole lines in %d bytes, want 800 in 4000", got, b.Len())
	}
	if n, err := (LockedWriter{Mu: &mu}).Write([]byte("x")); n != 1 || err != nil {
		t.Errorf("nil writer: %d, %v", n, err)
	}
}

func TestPrefixWriter(t *testing.T) {
	var b strings.Builder
	w := PrefixWriter{Prefix: "run: ", W: &b}
	if n, err := fmt.Fprint(w, "epoch 1\nepoch 2\n"); err != nil || n != 16 {
		t.Fatalf("Fprint: %d, %v", n, err)
	}
	if got, want := b.String(), "run: epoch 1\nrun: epoch 2\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if n, err := (PrefixWriter{Prefix: "x"}).Write([]byte("a\n")); err != nil || n != 2 {
		t.Errorf("nil W: %d, %v", n, err)
	}
}

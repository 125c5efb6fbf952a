package mvc

import (
	"errors"
	"io/fs"
	"testing"
)

func TestInputErrorf(t *testing.T) {
	err := InputErrorf("model %q: %w", "vgg20", fs.ErrNotExist)
	if !errors.Is(err, ErrInput) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("errors.Is(ErrInput) = %v, errors.Is(fs.ErrNotExist) = %v; want both", errors.Is(err, ErrInput), errors.Is(err, fs.ErrNotExist))
	}
	if got, want := err.Error(), `model "vgg20": file does not exist`; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
	if errors.Is(errors.New("disk full"), ErrInput) {
		t.Error("a plain error matches ErrInput")
	}
}

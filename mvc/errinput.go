package mvc

import (
	"errors"
	"fmt"
)

// ErrInput marks errors caused by what the caller gave (a file that is not what it claims, an
// unknown name, a setting out of range) rather than by a failure of the computation: the command
// line exits with status 2 for them, 1 for the others. Test with errors.Is(err, mvc.ErrInput).
var ErrInput = errors.New("bad input")

// InputErrorf returns an error with the message format, args (as fmt.Errorf, so %w wraps) that
// [ErrInput] matches.
func InputErrorf(format string, args ...any) error {
	return inputError{fmt.Errorf(format, args...)}
}

type inputError struct{ err error }

func (e inputError) Error() string { return e.err.Error() }

// Unwrap returns the wrapped error and [ErrInput], so that errors.Is finds either.
func (e inputError) Unwrap() []error { return []error{e.err, ErrInput} }

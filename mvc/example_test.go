package mvc_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/mice2machines/mice2machines/mvc"
)

// ExampleChooseBackend shows how the backend is chosen: $GOMLX_BACKEND first.
func ExampleChooseBackend() {
	_ = os.Setenv("GOMLX_BACKEND", "go")
	defer func() { _ = os.Unsetenv("GOMLX_BACKEND") }()
	c := mvc.ChooseBackend()
	fmt.Println(c.Config)
	fmt.Println(c.Reason)
	// Output:
	// go
	// $GOMLX_BACKEND is set
}

// ExampleBackend gets the process-wide backend every package of the project computes on.
func ExampleBackend() {
	backend, err := mvc.Backend()
	if err != nil {
		fmt.Println("no backend:", err)
		return
	}
	fmt.Println(backend != nil)
	// Output: true
}

// ExampleWriteFileAtomic writes a result so that a crash never leaves a partial file.
func ExampleWriteFileAtomic() {
	dir, _ := os.MkdirTemp("", "example")
	defer func() { _ = os.RemoveAll(dir) }()
	path := filepath.Join(dir, "results", "rmse.csv")
	err := mvc.WriteFileAtomic(path, func(f *os.File) error {
		_, err := f.WriteString("model,rmse\nvgg19,0.21\n")
		return err
	})
	content, _ := os.ReadFile(path)
	fmt.Print(err, "\n", string(content))
	// Output:
	// <nil>
	// model,rmse
	// vgg19,0.21
}

// ExampleRunJobs trains (here: squares) independent items two at a time; each result goes to
// its own slot, so the output does not depend on which job ran it or when.
func ExampleRunJobs() {
	results := make([]int, 5)
	err := mvc.RunJobs(context.Background(), len(results), 2, func(_ context.Context, _, i int) error {
		results[i] = i * i
		return nil
	})
	fmt.Println(results, err)
	// Output:
	// [0 1 4 9 16] <nil>
}

// ExampleTimeCalls times a call repeated for at least 3 calls and 1 ms.
func ExampleTimeCalls() {
	t, err := mvc.TimeCalls(func() error { return nil }, 3, time.Millisecond)
	fmt.Println(err, t.Calls >= 3, t.Seconds >= 0.001)
	// Output: <nil> true true
}

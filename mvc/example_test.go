package mvc_test

import (
	"fmt"
	"os"
	"path/filepath"

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

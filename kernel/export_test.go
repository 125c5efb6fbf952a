package kernel

// SetExit replaces the function Check ends the program with, and returns a function restoring it.
func SetExit(f func(int)) (restore func()) {
	old := exit
	exit = f
	return func() { exit = old }
}

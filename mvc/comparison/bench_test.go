package comparison

import (
	"testing"

	"github.com/mice2machines/mice2machines/mvc"
)

// BenchmarkRunSmoke times the smoke comparison (DigitNet with initial kernels) of a tiny
// simulated survey (4 files, 24 cells), the survey simulated once outside the timer.
func BenchmarkRunSmoke(b *testing.B) {
	s := tinySurvey(b)
	p, _ := LookupProfile("smoke")
	opts := Options{Profile: p, Backend: mvc.MustBackend(), Seed: 1}
	files, data := SurveyFiles(s), SurveyDescription(s)
	for b.Loop() {
		if _, err := Run(files, data, opts); err != nil {
			b.Fatal(err)
		}
	}
}

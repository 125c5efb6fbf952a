package dg

import (
	"math"
	"strings"
	"testing"
)

func statOf(values ...float64) Stat {
	var s Stat
	for _, v := range values {
		s.Add(v, "run")
	}
	return s
}

func TestWelchDiff(t *testing.T) {
	// Two samples of 3 with sd 1 each, 2 apart: se = sqrt(2/3), df = 4, t(0.975, 4) = 2.776.
	d := WelchDiff(statOf(11, 12, 13), statOf(9, 10, 11))
	half := 2.7764451 * math.Sqrt(2.0/3)
	if math.Abs(d.Mean-2) > 1e-12 || math.Abs(d.Low-(2-half)) > 1e-5 || math.Abs(d.High-(2+half)) > 1e-5 {
		t.Errorf("WelchDiff = %+v, want 2 ± %.5f", d, half)
	}
	if d := WelchDiff(statOf(5, 5), statOf(4, 4)); d.Low != 1 || d.High != 1 {
		t.Errorf("no spread: %+v, want [1, 1]", d)
	}
	if d := WelchDiff(statOf(5), statOf(4, 4)); !math.IsNaN(d.Low) || d.Mean != 1 {
		t.Errorf("one seed: %+v, want no interval", d)
	}
}

func TestClassify(t *testing.T) {
	for _, c := range []struct {
		d     Diff
		paper float64
		want  Agreement
	}{
		{Diff{2, 1, 3}, 0.5, Agrees},
		{Diff{-2, -3, -1}, -4, Agrees},
		{Diff{2, 1, 3}, -0.5, Opposes},
		{Diff{1, -1, 3}, 2, WithinNoise},
		{Diff{2, 1, 3}, 0, WithinNoise},
		{Diff{2, math.NaN(), math.NaN()}, 2, Untestable},
	} {
		if got := Classify(c.d, c.paper); got != c.want {
			t.Errorf("Classify(%+v, %g) = %s, want %s", c.d, c.paper, got, c.want)
		}
	}
}

// TestTable1Verdict builds a table in which VGG19's +NeuRN is 10 points above its bare row on
// every transfer with a spread of 1 point over three seeds, and checks the counts against the
// paper's signs.
func TestTable1Verdict(t *testing.T) {
	paper, err := PaperTable1()
	if err != nil {
		t.Fatal(err)
	}
	var results []*RunResult
	for seed := uint64(1); seed <= 3; seed++ {
		for _, src := range []string{"mnist", "usps", "syn", "mnistm"} {
			for _, k := range []int{0, 3} {
				acc := map[string]float64{}
				for _, tgt := range []string{"mnist", "usps", "syn", "mnistm"} {
					acc[tgt] = 0.5 + 0.1*float64(k/3) + 0.01*float64(seed)
				}
				results = append(results, fakeResult("vgg19", k, false, src, seed, acc))
			}
		}
	}
	v := Table1Verdict(BuildTable1(results), paper)
	if len(v.Rows) != 2 || v.Rows[0].Label != "VGG19" || v.Rows[1].Label != "All" || v.Seeds != 3 {
		t.Fatalf("verdict rows %+v, seeds %d: want VGG19 and All from 3 seeds", v.Rows, v.Seeds)
	}
	// Ours favours NeuRN everywhere: cells agree where the paper's +NeuRN row is above its
	// bare row, oppose where it is below.
	pb, pn := paper.rowOf("vgg19", ""), paper.rowOf("vgg19", "+NeuRN")
	var want [4]int
	for j := range Table1Columns {
		switch d := pn.Cells[j].Mean - pb.Cells[j].Mean; {
		case d > 0:
			want[Agrees]++
		case d < 0:
			want[Opposes]++
		default:
			want[WithinNoise]++
		}
	}
	if v.Rows[0].Counts != want || v.Rows[1].Counts != want || v.Rows[0].BoldCount != [4]int{want[Agrees], 0, 0, 0} {
		t.Errorf("counts %v (bold %v), want %v", v.Rows[0].Counts, v.Rows[0].BoldCount, want)
	}
	md := v.Markdown()
	if !strings.Contains(md, "| VGG19 |") || !strings.Contains(md, "95% Welch") || !strings.HasPrefix(v.CSV(), "model,paper_sign") {
		t.Errorf("renderings:\n%s\n%s", md, v.CSV())
	}
}

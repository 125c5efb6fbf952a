package similarity

import (
	"bytes"
	"strings"
	"testing"
)

func TestVerdict(t *testing.T) {
	comp := func(arch, level string, diff, pHolm float64) Comparison {
		return Comparison{Architecture: arch, Group: Group{Level: level}, MeanDiff: diff, PHolm: pHolm}
	}
	table := &Table{Comparisons: []Comparison{
		comp(All, LevelCre, -0.01, 0.001),
		comp("vgg19", LevelAll, -0.01, 0.001), // pooled level: not counted
		comp("vgg19", LevelCre, -0.01, 0.01),  // closer
		comp("vgg19", LevelCre, 0.02, 0.04),   // farther
		comp("vgg19", LevelCre, -0.03, 0.2),   // noise
		comp("vgg19", LevelArea, 0.01, 0.05),  // noise: p not below alpha
		comp("resnet18", LevelAreaCre, 0, 0),  // noise: no difference
	}}
	got := table.Verdict()
	want := []VerdictRow{
		{"vgg19", LevelCre, 1, 1, 1},
		{"vgg19", LevelArea, 0, 0, 1},
		{"resnet18", LevelAreaCre, 0, 0, 1},
		{All, LevelCre, 1, 0, 0},
	}
	if len(got) != len(want) {
		t.Fatalf("verdict %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	var b bytes.Buffer
	if err := table.WriteVerdictCSV(&b); err != nil || !strings.HasPrefix(b.String(), "architecture,level,neurn_closer") ||
		strings.Count(b.String(), "\n") != 5 {
		t.Errorf("CSV (%v):\n%s", err, b.String())
	}
	if md := table.VerdictMarkdown(); !strings.Contains(md, "| vgg19 | cre | 1 | 1 | 1 |") {
		t.Errorf("Markdown:\n%s", md)
	}
}

package embed

import (
	"slices"
	"testing"
)

// Ten separated blobs in 16-D, one of them (blob 3) with only 30 members: the paper's pipeline
// finds the ten blobs, takes the 50 most central members of each, and the small blob's missing
// 20 places go to the other clusters (Redistribute) or stay empty (KeepShort).
func TestSelectCentralBlobs(t *testing.T) {
	sizes := []int{90, 80, 100, 30, 70, 85, 95, 60, 75, 65}
	pts, truth := blobs(sizes, 16, 3)
	for _, policy := range []Shortfall{Redistribute, KeepShort} {
		sel, err := SelectCentral(pts, SelectOptions{Seed: 1, Shortfall: policy})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("policy %d: cluster sizes %v, selected %v; %s", policy, sel.ClusterSizes, sel.Selected, sel.Note)
		if !sameClustering(sel.KMeans.Labels, truth) {
			t.Fatalf("UMAP + k-means did not recover the 10 blobs: sizes %v", sel.ClusterSizes)
		}
		wantTotal := 500
		if policy == KeepShort {
			wantTotal = 480
		}
		if len(sel.Indices) != wantTotal || len(sel.Cluster) != wantTotal {
			t.Errorf("policy %d: %d selected, want %d", policy, len(sel.Indices), wantTotal)
		}
		sum := 0
		for c, s := range sel.Selected {
			sum += s
			if sel.ClusterSizes[c] == 30 && s != 30 {
				t.Errorf("the 30-member cluster gave %d", s)
			}
			if sel.ClusterSizes[c] != 30 && (s < 50 || policy == KeepShort && s != 50) {
				t.Errorf("policy %d: cluster %d (size %d) gave %d", policy, c, sel.ClusterSizes[c], s)
			}
		}
		if sum != wantTotal {
			t.Errorf("Selected sums to %d", sum)
		}
		seen := map[int]bool{}
		for j, i := range sel.Indices {
			if seen[i] {
				t.Fatalf("index %d selected twice", i)
			}
			seen[i] = true
			if sel.KMeans.Labels[i] != sel.Cluster[j] {
				t.Fatalf("index %d listed in cluster %d, labelled %d", i, sel.Cluster[j], sel.KMeans.Labels[i])
			}
		}
		// Within each cluster the selected members are the nearest the centroid.
		order, _ := NearestToCentroids(sel.Embedding, sel.KMeans, len(pts))
		pos := 0
		for c := range sel.Selected {
			if !slices.Equal(sel.Indices[pos:pos+sel.Selected[c]], order[c][:sel.Selected[c]]) {
				t.Errorf("cluster %d: selection is not its most central members", c)
			}
			pos += sel.Selected[c]
		}
	}
}

func TestSelectCentralSmallInputs(t *testing.T) {
	pts, _ := blobs([]int{3, 3}, 4, 1)
	sel, err := SelectCentral(pts, SelectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sel.Indices) != 6 || sel.KMeans != nil || sel.Note == "" {
		t.Errorf("6 vectors for 10 clusters: %d selected, note %q", len(sel.Indices), sel.Note)
	}
	// 200 vectors (fewer than 500): all selected with Redistribute.
	pts, _ = blobs([]int{50, 50, 50, 50}, 8, 2)
	sel, err = SelectCentral(pts, SelectOptions{Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(sel.Indices) != 200 {
		t.Errorf("200 vectors: %d selected, want all", len(sel.Indices))
	}
	if _, err := SelectCentral([][]float64{{1, 2}, {3}}, SelectOptions{}); err == nil {
		t.Error("ragged vectors: no error")
	}
}

// As in the paper: 500 excitatory and 500 inhibitory representations, selected within each class.
func TestSelectByClass(t *testing.T) {
	pts, _ := blobs([]int{110, 110, 110, 110, 110, 110, 110, 110, 110, 110, 110, 110, 110, 110, 110}, 8, 4)
	class := make([]string, len(pts))
	for i := range class {
		class[i] = "excitatory"
		if i%3 == 0 {
			class[i] = "inhibitory"
		}
	}
	sels, err := SelectByClass(pts, class, SelectOptions{Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(sels) != 2 || sels[0].Class != "excitatory" || sels[1].Class != "inhibitory" {
		t.Fatalf("classes %+v", sels)
	}
	for _, s := range sels {
		if len(s.Indices) != 500 {
			t.Errorf("%s: %d selected, want 500", s.Class, len(s.Indices))
		}
		for _, i := range s.Indices {
			if class[i] != s.Class {
				t.Fatalf("%s selection holds vector %d of class %s", s.Class, i, class[i])
			}
		}
		for r, i := range s.Members {
			if class[i] != s.Class || (r > 0 && s.Members[r-1] >= i) {
				t.Fatalf("%s: Members not the class's vectors in order", s.Class)
			}
		}
	}
	if _, err := SelectByClass(pts, class[:3], SelectOptions{}); err == nil {
		t.Error("label count mismatch: no error")
	}
}

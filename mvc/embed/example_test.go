package embed_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/mice2machines/mice2machines/mvc/embed"
)

// twoGroups returns 60 points in 5-D: 30 near the origin and 30 near (10, 10, 10, 10, 10).
func twoGroups() [][]float64 {
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([][]float64, 60)
	for i := range data {
		data[i] = make([]float64, 5)
		for j := range data[i] {
			data[i][j] = rng.NormFloat64()
			if i >= 30 {
				data[i][j] += 10
			}
		}
	}
	return data
}

// ExampleUMAP embeds two groups of 5-D points in 2-D; the embedding keeps each point's
// neighbourhood (trustworthiness near 1) and the groups apart.
func ExampleUMAP() {
	data := twoGroups()
	emb, err := embed.UMAP(data, embed.UMAPOptions{NNeighbors: 10, Seed: 42})
	if err != nil {
		fmt.Println(err)
		return
	}
	tw, _ := embed.Trustworthiness(data, emb, 5)
	gap := math.Hypot(emb[0][0]-emb[59][0], emb[0][1]-emb[59][1])
	fmt.Printf("%d x %d embedding, trustworthiness >= 0.9: %v, groups apart: %v\n",
		len(emb), len(emb[0]), tw >= 0.9, gap > 5)
	// Output: 60 x 2 embedding, trustworthiness >= 0.9: true, groups apart: true
}

// ExampleFindABParams shows the curve parameters for umap-learn's defaults.
func ExampleFindABParams() {
	a, b, _ := embed.FindABParams(1, 0.1)
	fmt.Printf("a = %.4f, b = %.4f\n", a, b)
	// Output: a = 1.5769, b = 0.8951
}

// ExampleKMeans clusters 1-D points into two groups.
func ExampleKMeans() {
	km, _ := embed.KMeans([][]float64{{0}, {10}, {1}, {11}, {0.5}}, embed.KMeansOptions{K: 2, Seed: 1})
	fmt.Println(km.Labels[0] == km.Labels[2], km.Labels[1] == km.Labels[3], km.Labels[0] != km.Labels[1])
	fmt.Printf("inertia %.4f\n", km.Inertia)
	// Output:
	// true true true
	// inertia 1.0000
}

// ExampleSelectCentral selects the 5 most central members of each of 2 clusters of the UMAP
// embedding of two groups of points, as the paper selects 50 per cluster out of 10.
func ExampleSelectCentral() {
	sel, err := embed.SelectCentral(twoGroups(), embed.SelectOptions{K: 2, PerCluster: 5, NNeighbors: 10, Seed: 7})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("cluster sizes:", sel.ClusterSizes[0]+sel.ClusterSizes[1], "selected:", sel.Selected)
	// Each cluster is one group: its selected members all come from that group.
	for c := range 2 {
		group := map[bool]int{}
		for j, i := range sel.Indices {
			if sel.Cluster[j] == c {
				group[i >= 30]++
			}
		}
		fmt.Println("cluster", c, "members from one group:", len(group) == 1)
	}
	// Output:
	// cluster sizes: 60 selected: [5 5]
	// cluster 0 members from one group: true
	// cluster 1 members from one group: true
}

// ExampleTrustworthiness scores two 1-D embeddings of 20 points on a wavy line: keeping the
// first coordinate preserves almost every 3-neighbourhood; scrambling the order (7t mod 20) does
// not. (NumPy with scikit-learn's formula gives 0.99222 and 0.64778.)
func ExampleTrustworthiness() {
	var x, keep, scrambled [][]float64
	for i := range 20 {
		t := float64(i)
		x = append(x, []float64{t, math.Sin(t)})
		keep = append(keep, []float64{t})
		scrambled = append(scrambled, []float64{float64(7 * i % 20)})
	}
	t1, _ := embed.Trustworthiness(x, keep, 3)
	t2, _ := embed.Trustworthiness(x, scrambled, 3)
	fmt.Printf("%.5f %.5f\n", t1, t2)
	// Output: 0.99222 0.64778
}

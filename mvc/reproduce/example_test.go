package reproduce_test

import (
	"fmt"

	"github.com/mice2machines/mice2machines/mvc/reproduce"
)

// The steps of a reproduction, in the order they run; reproduce.Run with Options.Only redoes
// some of them.
func ExampleSteps() {
	for _, s := range reproduce.Steps() {
		fmt.Println(s.Name)
	}
	// Output:
	// neurn_examples
	// normalizations
	// s2_cifar27
	// domains
	// train_cifar27
	// s1_natural_scenes
	// s3_traces
	// compare_rmse
	// fig2a_rmse_neurn_vs_base
	// fig2b_rmse_heatmap
	// fig3_kde
	// s4_overlay_visal
	// s5_overlay_vispm
	// table1
	// table_digits_protocol
}

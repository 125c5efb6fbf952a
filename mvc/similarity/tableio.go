package similarity

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc"
)

// DefaultTableName is the base name of the results table in figures/.
const DefaultTableName = "compare_rmse"

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func formatOptional(v *float64) string {
	if v == nil {
		return ""
	}
	return formatFloat(*v)
}

// WriteRowsCSV writes the rows as CSV with a header; undefined CKA/RSA values are empty fields.
// The provenance, the same for every row, is written once beside it by [Table.Save]
// (name.provenance.txt) and in the JSON.
func (t *Table) WriteRowsCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	header := []string{"model", "neurn", "level", "area", "cre", "class", "n_cells", "n_kernels",
		"mean_rmse", "ci_low", "ci_high", "ci_level", "resamples", "cka", "rsa"}
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, r := range t.Rows {
		rec := []string{r.Model, strconv.FormatBool(r.NeuRN), r.Level, r.Area, r.Cre, r.Class,
			strconv.Itoa(r.NCells), strconv.Itoa(r.NKernels), formatFloat(r.MeanRMSE),
			formatFloat(r.CILow), formatFloat(r.CIHigh), formatFloat(t.Level), strconv.Itoa(t.Resamples),
			formatOptional(r.CKA), formatOptional(r.RSA)}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteComparisonsCSV writes the NeuRN vs non-NeuRN comparisons as CSV with a header (the
// provenance is beside it, as for [Table.WriteRowsCSV]).
func (t *Table) WriteComparisonsCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	header := []string{"architecture", "level", "area", "cre", "class", "n_cells",
		"mean_rmse_base", "mean_rmse_neurn", "mean_diff", "diff_ci_low", "diff_ci_high", "ci_level",
		"p", "p_holm", "permutations", "exact"}
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, c := range t.Comparisons {
		rec := []string{c.Architecture, c.Level, c.Area, c.Cre, c.Class, strconv.Itoa(c.NCells),
			formatFloat(c.MeanBase), formatFloat(c.MeanNeuRN), formatFloat(c.MeanDiff),
			formatFloat(c.CILow), formatFloat(c.CIHigh), formatFloat(t.Level), formatFloat(c.P),
			formatFloat(c.PHolm), strconv.Itoa(c.Permutations), strconv.FormatBool(c.Exact)}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteJSON writes the whole table (settings, provenance, rows, comparisons) as indented JSON.
func (t *Table) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(t)
}

// WriteProvenance writes where the table's data came from and the statistics' settings, as text.
func (t *Table) WriteProvenance(w io.Writer) error {
	_, err := fmt.Fprintf(w, "%s\n\nStatistics: percentile bootstrap %.0f%% intervals, %d resamples of cells and kernels (seed %d); "+
		"paired sign-flip permutation tests, %d permutations (seed %d), Holm-adjusted per architecture and level.\n",
		t.Provenance, 100*t.Level, t.Resamples, t.BootstrapSeed, t.Permutations, t.PermutationSeed)
	return err
}

// Save writes the table atomically ([mvc.WriteFileAtomic]) into dir as name.csv (rows),
// name_neurn_vs_base.csv and name_verdict.csv (comparisons and [Table.Verdict]; only when there
// are any), name.provenance.txt (where the
// data came from, once for both CSVs) and name.json (everything), and returns the paths written.
func (t *Table) Save(dir, name string) ([]string, error) {
	type file struct {
		path  string
		write func(io.Writer) error
	}
	files := []file{
		{filepath.Join(dir, name+".csv"), t.WriteRowsCSV},
		{filepath.Join(dir, name+".provenance.txt"), t.WriteProvenance},
		{filepath.Join(dir, name+".json"), t.WriteJSON},
	}
	if len(t.Comparisons) > 0 {
		files = append(files, file{filepath.Join(dir, name+"_neurn_vs_base.csv"), t.WriteComparisonsCSV},
			file{filepath.Join(dir, name+"_verdict.csv"), t.WriteVerdictCSV})
	}
	var paths []string
	for _, f := range files {
		err := mvc.WriteFileAtomic(f.path, func(out *os.File) error { return f.write(out) })
		if err != nil {
			return paths, errors.Wrapf(err, "saving results table %s", f.path)
		}
		paths = append(paths, f.path)
	}
	return paths, nil
}

// LoadTable reads a table written by [Table.Save] (name.json).
func LoadTable(path string) (*Table, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, errors.Wrap(err, "loading results table")
	}
	var t Table
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, errors.Wrapf(err, "loading results table %s: not a table's JSON", path)
	}
	return &t, nil
}

package similarity

import (
	"fmt"

	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc/represent"
)

// CellsFromResult turns one experiment file's neural representations (mvc/represent) into
// [Cell]s for [Aggregate]: area and Cre line from the file's metadata, class from the Cre line
// (or from the metadata's class for a line outside [allen.CreLines]), ID "experiment/cell_specimen_id"
// (cell_specimen_id alone when the file has no experiment id).
func CellsFromResult(res *represent.Result) ([]Cell, error) {
	if res == nil || res.Metadata == nil {
		return nil, errors.New("cells from representations: no result or no metadata")
	}
	md := res.Metadata
	if md.Area == "" || md.CreLine == "" {
		return nil, errors.Errorf("cells from %s: metadata lacks the area (%q) or Cre line (%q)", res.File, md.Area, md.CreLine)
	}
	class := creClassCode(md.CreLine)
	if class == "" {
		class = classCode(string(md.Class))
	}
	if class == "" {
		return nil, errors.Errorf("cells from %s: Cre line %q has no known class (metadata says %q)", res.File, md.CreLine, md.Class)
	}
	cells := make([]Cell, len(res.Cells))
	for i, c := range res.Cells {
		id := fmt.Sprint(c.SpecimenID)
		if md.ExperimentID != 0 {
			id = fmt.Sprintf("%d/%d", md.ExperimentID, c.SpecimenID)
		}
		m := Map{Height: res.Height, Width: res.Width, Values: c.Map}
		if err := m.Validate(); err != nil {
			return nil, errors.Wrapf(err, "cells from %s: cell %s", res.File, id)
		}
		cells[i] = Cell{ID: id, Area: md.Area, Cre: md.CreLine, Class: class, Map: m}
	}
	return cells, nil
}

// MapsFromFloat32 splits n row-major h x w maps stored back to back (as represent.KernelMaps
// returns a layer's [F x C, H, W] feature representations, or a [n, h, w] .npy array) into
// [Map]s.
func MapsFromFloat32(values []float32, n, h, w int) ([]Map, error) {
	if n < 0 || h <= 0 || w <= 0 || len(values) != n*h*w {
		return nil, errors.Errorf("maps from %d values as [%d, %d, %d]: sizes do not match", len(values), n, h, w)
	}
	maps := make([]Map, n)
	for i := range maps {
		v := make([]float64, h*w)
		for j := range v {
			v[j] = float64(values[i*h*w+j])
		}
		maps[i] = Map{Height: h, Width: w, Values: v}
		if err := maps[i].Validate(); err != nil {
			return nil, errors.Wrapf(err, "map %d", i)
		}
	}
	return maps, nil
}

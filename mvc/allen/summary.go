package allen

import (
	"errors"
	"math"
	"strings"
)

// Summary is a short description of an experiment file: what "mvc allen info" prints, and what a
// notebook shows before computing anything from the file.
type Summary struct {
	File           string  `json:"file"`
	ExperimentID   int64   `json:"experiment_id"`
	Cells          int     `json:"cells"`
	Frames         int     `json:"frames"`
	FrameRateHz    float64 `json:"frame_rate_hz"`
	Genotype       string  `json:"genotype"`
	CreLine        string  `json:"cre_line"`
	Class          string  `json:"class"`
	Area           string  `json:"area"`
	ImagingDepthUM int     `json:"imaging_depth_um"`
	Indicator      string  `json:"indicator,omitempty"`
	SessionType    string  `json:"session_type"`
	// Images is the natural scenes' templates [n, height, width]; nil for a session without
	// them (sessions A and C), and NaturalScenes then says so.
	Images        []int  `json:"images"`
	Presentations int    `json:"presentations"`
	BlankSweeps   int    `json:"blank_sweeps"`
	NaturalScenes string `json:"natural_scenes,omitempty"`
	// CellSpecimenIDs are the first SummaryIDs cell specimen ids.
	CellSpecimenIDs []int64 `json:"cell_specimen_ids"`
	// Simulated tells whether the file says it was written by [SimulateSurvey].
	Simulated bool   `json:"simulated"`
	Notes     string `json:"notes,omitempty"`
	// TemplateSources are the first three images the templates were made from (simulated files).
	TemplateSources []string `json:"template_sources,omitempty"`
}

// SummaryIDs is how many cell specimen ids a [Summary] lists.
const SummaryIDs = 5

// Summarize reads a short description of the file: only headers and small datasets are read.
func (f *File) Summarize() (*Summary, error) {
	m, err := f.Metadata()
	if err != nil {
		return nil, err
	}
	s := &Summary{File: f.Path(), ExperimentID: m.ExperimentID, Genotype: m.Genotype, CreLine: m.CreLine,
		Class: string(m.Class), Area: m.Area, ImagingDepthUM: m.ImagingDepthUM, Indicator: m.Indicator,
		SessionType: m.SessionType, Notes: m.Notes, Simulated: strings.HasPrefix(m.Notes, SimulatedLabel)}
	s.CellSpecimenIDs = m.CellSpecimenIDs[:min(SummaryIDs, len(m.CellSpecimenIDs))]
	if s.Cells, s.Frames, err = f.Shape(); err != nil {
		return nil, err
	}
	if s.FrameRateHz, err = f.FrameRate(); err != nil {
		return nil, err
	}
	s.FrameRateHz = math.Round(s.FrameRateHz*1e6) / 1e6
	table, err := f.NaturalScenes()
	switch {
	case errors.Is(err, ErrNoNaturalScenes):
		s.NaturalScenes = err.Error()
		return s, nil
	case err != nil:
		return nil, err
	}
	n, h, w, err := f.TemplateShape()
	if err != nil {
		return nil, err
	}
	s.Images = []int{n, h, w}
	s.Presentations = len(table)
	for _, p := range table {
		if p.Image == Blank {
			s.BlankSweeps++
		}
	}
	if src, err := f.TemplateSources(); err == nil && len(src) > 0 {
		s.TemplateSources = src[:min(3, len(src))]
	}
	return s, nil
}

// Package allen reads Allen Brain Observatory (Visual Coding, two-photon) experiment files, and
// writes a simulated cortex in the same format. It is the biological input of "Mice to Machines"
// (Qazi, Jalil, Iqbal), section "Allen Brain Observatory dataset": dF/F traces of GCaMP6-expressing
// neurons of six visual areas and thirteen Cre lines, recorded while the mouse saw the natural
// scenes stimulus (118 greyscale photographs, 250 ms each, 50 trials in random order with blank
// sweeps; Supplementary Figure S1).
//
// # Reading
//
// [Open] opens an experiment's NWB 1 file (HDF5) lazily: it reads the file's structure (group and
// dataset headers), and each method reads only the datasets it is asked for; traces and templates
// are read one cell or one image at a time ([File.Trace], [File.TraceBlock], [File.Template]), so
// a multi-gigabyte file is never read whole. Datasets may be contiguous or gzip-chunked, strings
// fixed-length or variable-length (as h5py writes them). A file without the natural scenes
// stimulus (sessions A and C) gives an error, [ErrNoNaturalScenes], that names the session type.
// Errors name the file and the dataset.
//
// # File layout
//
// The datasets read, by their paths in the NWB 1 (HDF5) file, are those AllenSDK's
// BrainObservatoryNwbDataSet reads; each has a constant ([DFFPath] and following):
//
//   - processing/brain_observatory_pipeline/DfOverF/imaging_plane_1/data: dF/F, cells x
//     frames; .../timestamps beside it: the time of each frame in seconds, from which the frame
//     rate is 1 / (median interval between frames).
//   - processing/brain_observatory_pipeline/ImageSegmentation/cell_specimen_ids: the cell
//     specimen id of each row of dF/F.
//   - stimulus/presentation/natural_scenes_stimulus/data: the image shown at each presentation
//     (an index into the templates, or -1 for a blank sweep), stored as floats; .../frame_duration
//     beside it: each presentation's first and last frame (presentations x 2, floats), within
//     the recording's frames. Only session B ("three_session_B") has this group.
//   - stimulus/templates/natural_scenes_image_stack/data: the natural scenes, images x height x
//     width, uint8 (118 x 918 x 1174 in the real files); .../sources beside it, in simulated
//     files only: where each image came from.
//   - general/subject/genotype: the genotype, Cre driver first ("Cux2-CreERT2/wt;Camk2a-tTA/wt;
//     ..."), whose gene name before the first '-' is the Cre line ([CreLineOfGenotype]).
//   - general/optophysiology/imaging_plane_1/location: the visual area ("VISp");
//     .../imaging depth: the depth ("175 microns"); .../indicator: the calcium indicator
//     ("GCaMP6f"; optional).
//   - general/session_type ("three_session_B"), general/session_id (the ophys experiment id;
//     optional) and general/notes (free text; the simulated cortex writes its provenance there;
//     optional).
//
// # Simulated cortex
//
// No recording can be downloaded offline, so [SimulateSurvey] writes a survey of experiment files
// in the same layout, one per (area, Cre line) pair like the real survey, with each cell's
// ground-truth receptive field saved beside each file (.npy). Cells are linear-nonlinear models
// with Gabor receptive fields whose size and spatial frequency depend on the area, inhibitory
// cells broader and less selective; spikes are Poisson, trial gains fluctuate, and dF/F is the
// spike train through a GCaMP6-like kernel plus measurement noise, relative to its median (see
// [CellModel] and [SimOptions] for the numbers and their sources). Everything derived from these files is
// labelled "simulated cortex". The simulator writes uncompressed (contiguous) datasets: the
// gzip writer of the pure-Go HDF5 library it uses (github.com/scigolib/hdf5 v0.14.0) is broken.
//
// In the project's data flow (data -> zoo/train -> represent -> embed -> similarity -> plots) this
// package is data: package represent turns its traces into neural representations.
package allen

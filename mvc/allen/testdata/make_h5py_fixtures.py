#!/usr/bin/python3
"""Writes the h5py fixtures of mvc/allen's tests: small files in the Brain Observatory's NWB 1
layout as h5py writes them (gzip-chunked datasets, variable-length and fixed-length strings,
scalar and one-element datasets), so that the Go reader is tested on the storage real files use.

Run with Debian's python3-h5py (3.7): /usr/bin/python3 make_h5py_fixtures.py
The values follow simple formulas that the Go test (h5py_test.go) recomputes.
"""
import h5py
import numpy as np

CELLS, FRAMES, IMAGES, H, W = 3, 120, 4, 6, 8
PIPE = "processing/brain_observatory_pipeline"


def write(path, session, natural_scenes):
    with h5py.File(path, "w", libver="earliest") as f:
        f["nwb_version"] = "NWB-1.0.5"
        f["general/session_type"] = session                      # scalar, variable-length
        f["general/session_id"] = np.int64(501498760)            # scalar integer
        f["general/subject/genotype"] = np.bytes_(               # scalar, fixed-length
            "Sst-IRES-Cre/wt;Ai148(TIT2L-GC6f-ICL-tTA2)/wt")
        f["general/optophysiology/imaging_plane_1/location"] = ["VISal"]  # 1-element vlen
        f["general/optophysiology/imaging_plane_1/imaging depth"] = np.array([b"375 microns"])  # fixed
        f.create_dataset(PIPE + "/ImageSegmentation/cell_specimen_ids",
                         data=np.array([517000001, 517000002, 517000003], dtype=np.int64))
        k = np.arange(FRAMES)
        dff = np.stack([c + k / 1000.0 for c in range(CELLS)]).astype(np.float32)
        f.create_dataset(PIPE + "/DfOverF/imaging_plane_1/data", data=dff,
                         chunks=(2, 50), compression="gzip", compression_opts=4)
        f.create_dataset(PIPE + "/DfOverF/imaging_plane_1/timestamps",
                         data=10.0 + k / 30.0, chunks=(64,), compression="gzip")
        if natural_scenes:
            images = np.array([0, 1, -1, 2, 3, 0, 1, 2, -1, 3, 0, 1], dtype=np.float64)
            starts = 10 + 7 * np.arange(len(images))
            frames = np.stack([starts, starts + 7], axis=1).astype(np.float64)
            g = "stimulus/presentation/natural_scenes_stimulus"
            f.create_dataset(g + "/data", data=images, chunks=(5,), compression="gzip")
            f.create_dataset(g + "/frame_duration", data=frames, chunks=(5, 2), compression="gzip")
            t = np.array([[[(i * 50 + y * W + x) % 256 for x in range(W)] for y in range(H)]
                          for i in range(IMAGES)], dtype=np.uint8)
            f.create_dataset("stimulus/templates/natural_scenes_image_stack/data", data=t,
                             chunks=(1, H, W), compression="gzip")


write("h5py_session_b.nwb", "three_session_B", True)
write("h5py_session_a.nwb", "three_session_A", False)

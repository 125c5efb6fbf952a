// Package h5 is a bounded reader of the HDF5 subset that the project's files use: the Allen
// Brain Observatory's NWB 1 experiment files of Figs. 2-3 (and the simulated ones the project
// writes in their layout), and the USPS digits of Table 1's domains as Kaggle's usps.h5 stores
// them. Every size, count and offset read from a file is checked against the file before
// anything is allocated or sliced with it, and loops over file structures are bounded, so a
// damaged or hostile file gives an error naming the file and what is wrong, never a crash or
// an out-of-memory. General HDF5 libraries allocate what a damaged size asks for; files are
// still written with github.com/scigolib/hdf5.
//
// [Open] reads a file's structure (groups and dataset headers); a [File]'s methods then read
// datasets whole or by blocks of rows ([File.Float64Block], [File.Float32Block], ...), reading
// only the chunks that hold them. What is read: superblocks of versions 0 to 3; object headers
// of versions 1 and 2; groups as symbol tables or link messages; integer, float and string
// datatypes (fixed-length and h5py's variable-length strings); compact, contiguous and chunked
// storage (version 1 B-tree chunk indexes) with the deflate, shuffle and fletcher32 filters.
// Anything else (dense link storage, HDF5 1.10 chunk indexes, compound types...) gives an
// error when it is read.
//
// A dataset may not declare more data than its file can hold: the file's size for contiguous
// and compact storage, and what deflate can inflate the file to for chunked storage
// ([MaxBytes]); one operation may read a few times the file's size, no more.
package h5

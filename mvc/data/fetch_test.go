package data

// The downloader is tested against an httptest server on the loopback interface only; nothing
// here reaches the network.

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fixtureServer serves body at /file with Range support (http.ServeContent); cutAt > 0 makes
// the first request die after cutAt bytes (the connection is dropped). It records the Range
// header of each request. Tests read both through stats: the handler runs on the server's
// goroutines.
type fixtureServer struct {
	*httptest.Server
	mu     sync.Mutex
	ranges []string
	served int64
}

type cuttingWriter struct {
	http.ResponseWriter
	left int64
	srv  *fixtureServer
}

// Write counts bytes before handing them on (and takes back what was not written), so the count
// is complete by the time the client can have read them.
func (w *cuttingWriter) Write(p []byte) (int, error) {
	if int64(len(p)) > w.left {
		w.srv.addServed(w.left)
		n, _ := w.ResponseWriter.Write(p[:w.left])
		w.srv.addServed(int64(n) - w.left)
		w.ResponseWriter.(http.Flusher).Flush()
		panic(http.ErrAbortHandler) // drops the connection mid-body
	}
	w.left -= int64(len(p))
	w.srv.addServed(int64(len(p)))
	n, err := w.ResponseWriter.Write(p)
	w.srv.addServed(int64(n - len(p)))
	return n, err
}

func (s *fixtureServer) addServed(n int64) {
	s.mu.Lock()
	s.served += n
	s.mu.Unlock()
}

// stats returns a copy of the requests' Range headers and the bytes served so far.
func (s *fixtureServer) stats() (ranges []string, served int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.ranges), s.served
}

func newFixtureServer(t *testing.T, body []byte, cutAt int64, contentType string) *fixtureServer {
	s := &fixtureServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/file" {
			http.NotFound(w, r)
			return
		}
		s.mu.Lock()
		s.ranges = append(s.ranges, r.Header.Get("Range"))
		first := len(s.ranges) == 1
		s.mu.Unlock()
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		if first && cutAt > 0 {
			w = &cuttingWriter{ResponseWriter: w, left: cutAt, srv: s}
		} else {
			w = &cuttingWriter{ResponseWriter: w, left: 1 << 62, srv: s}
		}
		http.ServeContent(w, r, "file", time.Time{}, bytes.NewReader(body))
	}))
	t.Cleanup(s.Close)
	return s
}

func randomBytes(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.IntN(256))
	}
	return b
}

func md5Hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

func testFetcher(progress io.Writer) *Fetcher {
	return &Fetcher{Client: &http.Client{Timeout: 10 * time.Second}, Progress: progress, RetryWait: time.Millisecond}
}

func TestFetchResumesAfterCutConnection(t *testing.T) {
	body := randomBytes(300_000, 1)
	srv := newFixtureServer(t, body, 100_000, "application/octet-stream")
	dir := t.TempDir()
	var progress bytes.Buffer
	file := RemoteFile{Path: "sub/data.bin", URLs: []string{srv.URL + "/file"}, MD5: md5Hex(body)}
	if err := testFetcher(&progress).FetchFile(context.Background(), file, dir); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "sub", "data.bin"))
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("downloaded file differs (err %v, %d bytes)", err, len(got))
	}
	if _, err := os.Stat(filepath.Join(dir, "sub", "data.bin.part")); !os.IsNotExist(err) {
		t.Errorf(".part file left behind: %v", err)
	}
	ranges, served := srv.stats()
	if len(ranges) != 2 || ranges[0] != "" || ranges[1] != "bytes=100000-" {
		t.Errorf("requests' Range headers %q, want a plain request then bytes=100000-", ranges)
	}
	if served != int64(len(body)) {
		t.Errorf("server sent %d bytes for a %d-byte file: the resume re-downloaded", served, len(body))
	}
	for _, want := range []string{"resuming", "100%", "ETA", "MD5 ok"} {
		if !strings.Contains(progress.String(), want) {
			t.Errorf("progress output does not show %q:\n%s", want, progress.String())
		}
	}
	// A second fetch finds the file and requests nothing.
	n := len(ranges)
	err = testFetcher(nil).FetchFile(context.Background(), file, dir)
	if ranges, _ = srv.stats(); err != nil || len(ranges) != n {
		t.Errorf("second fetch: err %v, %d new requests", err, len(ranges)-n)
	}
}

func TestFetchResumesPartFromEarlierRun(t *testing.T) {
	body := randomBytes(50_000, 2)
	srv := newFixtureServer(t, body, 0, "")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f.bin.part"), body[:12_345], 0o644); err != nil {
		t.Fatal(err)
	}
	file := RemoteFile{Path: "f.bin", URLs: []string{srv.URL + "/file"}, MD5: md5Hex(body)}
	if err := testFetcher(nil).FetchFile(context.Background(), file, dir); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "f.bin")); !bytes.Equal(got, body) {
		t.Fatal("resumed file differs")
	}
	ranges, served := srv.stats()
	if len(ranges) != 1 || ranges[0] != "bytes=12345-" || served != int64(len(body)-12_345) {
		t.Errorf("ranges %q, %d bytes served", ranges, served)
	}
}

func TestFetchMD5Mismatch(t *testing.T) {
	body := randomBytes(10_000, 3)
	srv := newFixtureServer(t, body, 0, "")
	dir := t.TempDir()
	file := RemoteFile{Path: "f.bin", URLs: []string{srv.URL + "/file"}, MD5: md5Hex([]byte("something else"))}
	err := testFetcher(nil).FetchFile(context.Background(), file, dir)
	if err == nil || !strings.Contains(err.Error(), "MD5 mismatch") || !strings.Contains(err.Error(), file.MD5) {
		t.Fatalf("error %v, want an MD5 mismatch naming the expected MD5", err)
	}
	for _, name := range []string{"f.bin", "f.bin.part"} {
		if _, err := os.Stat(filepath.Join(dir, name)); !os.IsNotExist(err) {
			t.Errorf("%s exists after an MD5 mismatch", name)
		}
	}
	// An existing file with the wrong MD5 is reported, not overwritten.
	if err := os.WriteFile(filepath.Join(dir, "f.bin"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	file.MD5 = md5Hex(body)
	if err := testFetcher(nil).FetchFile(context.Background(), file, dir); err == nil || !strings.Contains(err.Error(), "exists but its MD5") {
		t.Errorf("existing different file: error %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "f.bin")); string(b) != "mine" {
		t.Error("the existing file was overwritten")
	}
}

func TestFetchFallsBackToMirror(t *testing.T) {
	body := randomBytes(5_000, 4)
	srv := newFixtureServer(t, body, 0, "")
	html := newFixtureServer(t, []byte("<html>please log in</html>"), 0, "text/html; charset=utf-8")
	dir := t.TempDir()
	var progress bytes.Buffer
	file := RemoteFile{Path: "f.bin", URLs: []string{srv.URL + "/missing", html.URL + "/file", srv.URL + "/file"}, MD5: md5Hex(body)}
	if err := testFetcher(&progress).FetchFile(context.Background(), file, dir); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"404", "HTML page"} {
		if !strings.Contains(progress.String(), want) {
			t.Errorf("progress does not report %q:\n%s", want, progress.String())
		}
	}
	// Every URL failing is an error naming each.
	file.Path = "g.bin"
	file.URLs = file.URLs[:2]
	if err := testFetcher(nil).FetchFile(context.Background(), file, dir); err == nil || !strings.Contains(err.Error(), "every URL") {
		t.Errorf("all URLs failing: error %v", err)
	}
}

func TestFetchExtractsAndChecksMembers(t *testing.T) {
	a, b := []byte("photo a"), []byte("photo b")
	archive := buildTar(t, true,
		tarEntry{"BSR/images/train/1.jpg", a}, tarEntry{"BSR/images/val/2.jpg", b}, tarEntry{"BSR/images/test/3.jpg", b})
	srv := newFixtureServer(t, archive, 0, "")
	dir := t.TempDir()
	file := RemoteFile{Path: "bsr.tgz", URLs: []string{srv.URL + "/file"},
		Extract:   []ExtractRule{{"BSR/images/train/*.jpg", "photos/train"}, {"BSR/images/val/*.jpg", "photos/val"}},
		MemberMD5: map[string]string{"photos/train/1.jpg": md5Hex(a), "photos/val/2.jpg": md5Hex(b)}}
	if err := testFetcher(nil).FetchFile(context.Background(), file, dir); err != nil {
		t.Fatal(err)
	}
	for rel, want := range map[string][]byte{"photos/train/1.jpg": a, "photos/val/2.jpg": b} {
		if got, err := os.ReadFile(filepath.Join(dir, rel)); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: %q, %v", rel, got, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "photos", "test")); !os.IsNotExist(err) {
		t.Error("a member outside the rules was extracted")
	}
	// An existing different file is not overwritten.
	if err := os.WriteFile(filepath.Join(dir, "photos/val/2.jpg"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "bsr.tgz.extracted")); err != nil {
		t.Fatal(err)
	}
	if err := testFetcher(nil).FetchFile(context.Background(), file, dir); err == nil || !strings.Contains(err.Error(), "exists and differs") {
		t.Errorf("existing different member: error %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "photos/val/2.jpg")); string(b) != "mine" {
		t.Error("an existing file was overwritten by extraction")
	}
	if err := os.WriteFile(filepath.Join(dir, "photos/val/2.jpg"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	// A member with the wrong MD5 is an error and is not left in place.
	file.Path = "bsr2.tgz"
	file.MemberMD5 = map[string]string{"photos/train/1.jpg": md5Hex(b), "photos/val/2.jpg": md5Hex(b)}
	if err := os.Remove(filepath.Join(dir, "photos/train/1.jpg")); err != nil {
		t.Fatal(err)
	}
	err := testFetcher(nil).FetchFile(context.Background(), file, dir)
	if err == nil || !strings.Contains(err.Error(), "member BSR/images/train/1.jpg has MD5") {
		t.Errorf("wrong member MD5: error %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "photos/train/1.jpg")); !os.IsNotExist(err) {
		t.Error("a member with the wrong MD5 was left in place")
	}
}

func TestFetchSourcesCatalogue(t *testing.T) {
	for _, want := range []string{"mnist", "usps", "svhn", "mnistm", "cifar100", "bsds500"} {
		s, err := LookupFetchSource(want)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range s.Files {
			if len(f.URLs) == 0 || (f.MD5 == "" && f.MemberMD5 == nil) || (f.MD5 != "" && len(f.MD5) != 32) {
				t.Errorf("%s: file %s has URLs %v, MD5 %q", s.Name, f.Path, f.URLs, f.MD5)
			}
		}
	}
	if s, _ := LookupFetchSource("bsds500"); len(s.Files[0].MemberMD5) != 300 {
		t.Errorf("bsds500: %d member MD5s, want 300 (200 train + 100 val)", len(s.Files[0].MemberMD5))
	}
	if _, err := LookupFetchSource("imagenet"); err == nil || !strings.Contains(err.Error(), "mnistm") {
		t.Errorf("unknown source: error %v", err)
	}
	// The MNIST MD5s are those of the files shipped in the GoMNIST module.
	dir, err := MNISTDir()
	if err != nil {
		t.Skip(err)
	}
	s, _ := LookupFetchSource("mnist")
	for _, f := range s.Files {
		p := filepath.Join(dir, filepath.Base(f.Path))
		sum, err := fileMD5(p)
		if err != nil {
			t.Skip(err)
		}
		st, _ := os.Stat(p)
		if sum != f.MD5 || st.Size() != f.Size {
			t.Errorf("%s: MD5 %s size %d, catalogue says %s, %d", p, sum, st.Size(), f.MD5, f.Size)
		}
	}
}

func TestFetchDir(t *testing.T) {
	t.Setenv("MVC_DATA", "")
	t.Setenv("MVC_CACHE", "")
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	dir, err := FetchDir()
	if err != nil || dir != filepath.Join(cache, "mice2machines") {
		t.Errorf("FetchDir without MVC_DATA: %q, %v", dir, err)
	}
	// $MVC_CACHE moves it, as it moves the simulated surveys (one cache rule: mvc.CacheDir).
	own := t.TempDir()
	t.Setenv("MVC_CACHE", own)
	if dir, err := FetchDir(); err != nil || dir != own {
		t.Errorf("FetchDir with MVC_CACHE=%s: %q, %v", own, dir, err)
	}
	if dirs := DataSearchDirs(); len(dirs) != 1 || dirs[0] != own {
		t.Errorf("DataSearchDirs with MVC_CACHE: %v", dirs)
	}
	data := t.TempDir()
	t.Setenv("MVC_DATA", data)
	if dir, _ := FetchDir(); dir != data {
		t.Errorf("FetchDir with MVC_DATA: %q", dir)
	}
	if dirs := DataSearchDirs(); len(dirs) != 2 || dirs[0] != data {
		t.Errorf("DataSearchDirs: %v", dirs)
	}
}

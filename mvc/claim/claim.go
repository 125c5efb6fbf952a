package claim

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/pkg/errors"
)

// Suffix ends the name of every claim file: <dir>/<name>.claim.
const Suffix = ".claim"

// ErrHeld is matched (with errors.Is) by the error [Acquire] returns when another live process
// holds the claim; the error is a [*HeldError] that names it.
var ErrHeld = errors.New("claim: held by another process")

// ErrLost is returned by [Claim.Renew] and [Claim.Release] when the claim file is no longer
// this claim's: its lease ran out and another process took it over.
var ErrLost = errors.New("claim: lost to another process")

// Owner is the content of a claim file: who holds the claim and until when.
type Owner struct {
	// Host is the owner's host name, PID its process ID.
	Host string `json:"host"`
	PID  int    `json:"pid"`
	// Machine identifies the running system beyond its host name (on Linux the boot ID and
	// the PID namespace), so that a process ID is judged only where it means the same process.
	Machine string `json:"machine,omitempty"`
	// Token is random, unique to one acquisition.
	Token string `json:"token"`
	// Acquired is when the claim was made, Expires when its lease ends unless renewed.
	Acquired time.Time `json:"acquired"`
	Expires  time.Time `json:"expires"`
}

// String describes the owner for messages: "process 123 on host h, lease until 15:04:05".
func (o Owner) String() string {
	if o.Token == "" {
		return "an unknown process (the claim file is being written or is damaged)"
	}
	return fmt.Sprintf("process %d on host %s, lease until %s", o.PID, o.Host, o.Expires.Local().Format("2006-01-02 15:04:05"))
}

// HeldError is the error of [Acquire] when another live process holds the claim.
type HeldError struct {
	// Path is the claim file, Owner its content (zero when the file could not be parsed).
	Path  string
	Owner Owner
}

func (e *HeldError) Error() string {
	return fmt.Sprintf("claim: %s is held by %s", e.Path, e.Owner)
}

// Is makes errors.Is(err, ErrHeld) true.
func (e *HeldError) Is(target error) bool { return target == ErrHeld }

// Claim is a claim held by this process. Its lease is renewed in the background, every third of
// the lease, until [Claim.Release].
type Claim struct {
	path  string
	lease time.Duration

	mu     sync.Mutex
	owner  Owner
	closed bool

	stop     chan struct{}
	stopped  chan struct{}
	lost     chan struct{}
	lostOnce sync.Once
}

// Path returns the claim file.
func (c *Claim) Path() string { return c.path }

// Owner returns the content of the claim file as this process last wrote it.
func (c *Claim) Owner() Owner {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.owner
}

// Lost returns a channel that is closed when a renewal finds that another process took the
// claim over; the job it protects should then stop.
func (c *Claim) Lost() <-chan struct{} { return c.lost }

// Path returns the claim file of name in dir.
func Path(dir, name string) string { return filepath.Join(dir, name+Suffix) }

// Acquire claims name in dir for lease (renewed in the background until [Claim.Release]). It
// returns a [*HeldError] (errors.Is ErrHeld) when another process holds the claim and its lease
// has not expired, unless that process ran on this machine and is gone: such a claim, and one
// whose lease has expired, is taken over atomically. dir is created if needed; name must be a
// plain file name.
func Acquire(dir, name string, lease time.Duration) (*Claim, error) {
	if name == "" || name != filepath.Base(name) || strings.HasPrefix(name, ".") {
		return nil, errors.Errorf("claim: name %q must be a plain file name", name)
	}
	if lease <= 0 {
		return nil, errors.Errorf("claim: lease %s must be positive", lease)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, errors.Wrapf(err, "claim: creating the claims folder %s", dir)
	}
	path := Path(dir, name)
	me, err := newOwner(lease)
	if err != nil {
		return nil, err
	}
	for range 20 {
		err := create(path, me)
		if err != nil && !os.IsExist(errors.Cause(err)) {
			return nil, err
		}
		// Created or not, look at the file: another process taking over a stale claim may
		// have moved it aside for a moment (and put it back), or replaced it.
		cur, raw, mtime, err := read(path)
		switch {
		case os.IsNotExist(errors.Cause(err)):
			continue // released, or moved aside for a moment
		case err != nil && !errors.Is(err, errDamaged):
			return nil, err
		case err == nil && cur.Token == me.Token:
			return start(path, lease, me), nil
		}
		if !stale(cur, err != nil, mtime, lease, time.Now()) {
			return nil, &HeldError{Path: path, Owner: cur}
		}
		if err := takeOver(path, raw, me.Token); err != nil {
			return nil, err
		}
	}
	return nil, errors.Errorf("claim: %s changed hands too often to be acquired; try again", path)
}

// takeOver removes the stale claim file at path whose content was raw. It renames the file to a
// name of its own, so that of several processes taking over only one succeeds; if the file it
// moved is not the one judged stale (a new claim was made after the look), it puts it back.
func takeOver(path string, raw []byte, token string) error {
	grave := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+"."+token+".stale")
	if err := os.Rename(path, grave); err != nil {
		if os.IsNotExist(err) {
			return nil // another process took it over first
		}
		return errors.Wrapf(err, "claim: taking over %s", path)
	}
	moved, err := os.ReadFile(grave)
	if err == nil && !bytes.Equal(moved, raw) {
		// A claim made (or renewed) after the look: restore it unless yet another claim was
		// made since; then its owner learns at its next renewal that it lost it.
		_ = os.Link(grave, path)
	}
	if err := os.Remove(grave); err != nil && !os.IsNotExist(err) {
		return errors.Wrapf(err, "claim: removing %s", grave)
	}
	return nil
}

// stale tells whether a claim can be taken over: its lease has expired, or its owner ran on
// this machine and its process is gone. A file that could not be parsed (being written, or
// damaged) expires lease after its last modification.
func stale(o Owner, damaged bool, mtime time.Time, lease time.Duration, now time.Time) bool {
	if damaged {
		return now.After(mtime.Add(lease))
	}
	if now.After(o.Expires) {
		return true
	}
	return o.PID > 0 && o.PID != os.Getpid() && o.Host == hostName() && o.Machine == machineID() && !processAlive(o.PID)
}

// newOwner describes this process for a new claim.
func newOwner(lease time.Duration) (Owner, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return Owner{}, errors.Wrap(err, "claim: drawing a token")
	}
	now := time.Now().UTC()
	return Owner{Host: hostName(), PID: os.Getpid(), Machine: machineID(), Token: hex.EncodeToString(b[:]),
		Acquired: now, Expires: now.Add(lease)}, nil
}

// errDamaged marks a claim file that exists but does not parse.
var errDamaged = errors.New("claim file does not parse")

// read returns a claim file's owner, its raw content and modification time.
func read(path string) (Owner, []byte, time.Time, error) {
	f, err := os.Open(path)
	if err != nil {
		return Owner{}, nil, time.Time{}, errors.Wrapf(err, "claim: reading %s", path)
	}
	defer func() { _ = f.Close() }()
	st, err := f.Stat()
	if err != nil {
		return Owner{}, nil, time.Time{}, errors.Wrapf(err, "claim: reading %s", path)
	}
	raw, err := readAll(f, 64<<10)
	if err != nil {
		return Owner{}, nil, st.ModTime(), errors.Wrapf(err, "claim: reading %s", path)
	}
	var o Owner
	if err := json.Unmarshal(raw, &o); err != nil || o.Token == "" {
		return Owner{}, raw, st.ModTime(), errors.Wrapf(errDamaged, "claim: %s", path)
	}
	return o, raw, st.ModTime(), nil
}

// readAll reads f up to limit bytes (a claim file is a few hundred bytes; a larger one is
// damaged, and is not read whole).
func readAll(f *os.File, limit int) ([]byte, error) {
	var buf bytes.Buffer
	_, err := buf.ReadFrom(&limitedReader{f: f, n: limit})
	return buf.Bytes(), err
}

type limitedReader struct {
	f *os.File
	n int
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errors.New("claim file too large")
	}
	if len(p) > l.n {
		p = p[:l.n]
	}
	n, err := l.f.Read(p)
	l.n -= n
	return n, err
}

// encode is the claim file's content for o.
func encode(o Owner) []byte {
	js, _ := json.Marshal(o)
	return append(js, '\n')
}

// create makes the claim file at path with o's content, failing (os.IsExist) if it exists. The
// content is written to a file of its own first, then linked to path, so that no reader sees a
// partial claim; where hard links are not supported, it creates path with O_EXCL.
func create(path string, o Owner) error {
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+"."+o.Token)
	if err := writeSynced(tmp, encode(o), os.O_WRONLY|os.O_CREATE|os.O_EXCL); err != nil {
		return err
	}
	defer func() { _ = os.Remove(tmp) }()
	err := os.Link(tmp, path)
	if err == nil || os.IsExist(err) {
		return err
	}
	// No hard links here (some network and FUSE filesystems): O_EXCL, also atomic. A reader
	// that sees the file before its content treats it as held for a lease.
	return writeSynced(path, encode(o), os.O_WRONLY|os.O_CREATE|os.O_EXCL)
}

// writeSynced writes content to path opened with flag, and syncs it.
func writeSynced(path string, content []byte, flag int) error {
	f, err := os.OpenFile(path, flag, 0o644)
	if err != nil {
		if os.IsExist(err) {
			return err
		}
		return errors.Wrapf(err, "claim: creating %s", path)
	}
	_, err = f.Write(content)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
		return errors.Wrapf(err, "claim: writing %s", path)
	}
	return nil
}

// start returns the claim and starts its renewals.
func start(path string, lease time.Duration, o Owner) *Claim {
	c := &Claim{path: path, lease: lease, owner: o, stop: make(chan struct{}), stopped: make(chan struct{}),
		lost: make(chan struct{})}
	go c.renewLoop()
	return c
}

// renewLoop renews the claim every third of its lease until Release or until it is lost. A
// failed renewal (a network filesystem's hiccup) is retried at the next tick.
func (c *Claim) renewLoop() {
	defer close(c.stopped)
	t := time.NewTicker(max(c.lease/3, time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			if err := c.Renew(); errors.Is(err, ErrLost) {
				return
			}
		}
	}
}

// markLost closes the Lost channel once.
func (c *Claim) markLost() { c.lostOnce.Do(func() { close(c.lost) }) }

// Renew extends the lease by its duration from now. It returns [ErrLost] (and closes
// [Claim.Lost]) when the claim file is no longer this claim's. Renewals happen in the
// background; calling Renew is needed only to renew at a moment of one's choosing.
func (c *Claim) Renew() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return errors.Errorf("claim: %s was released", c.path)
	}
	cur, _, _, err := read(c.path)
	switch {
	case os.IsNotExist(errors.Cause(err)) || errors.Is(err, errDamaged) || (err == nil && cur.Token != c.owner.Token):
		c.markLost()
		return errors.Wrapf(ErrLost, "claim: %s", c.path)
	case err != nil:
		return err
	}
	next := c.owner
	next.Expires = time.Now().UTC().Add(c.lease)
	tmp := filepath.Join(filepath.Dir(c.path), "."+filepath.Base(c.path)+"."+next.Token+".renew")
	if err := writeSynced(tmp, encode(next), os.O_WRONLY|os.O_CREATE|os.O_TRUNC); err != nil {
		return err
	}
	if err := os.Rename(tmp, c.path); err != nil {
		_ = os.Remove(tmp)
		return errors.Wrapf(err, "claim: renewing %s", c.path)
	}
	c.owner = next
	return nil
}

// Release stops the renewals and removes the claim file. It returns [ErrLost] when the file
// had been taken over by another process (which then keeps it), and nil when it is gone.
// Releasing twice is a no-op.
func (c *Claim) Release() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.mu.Unlock()
	close(c.stop)
	<-c.stopped
	cur, _, _, err := read(c.path)
	switch {
	case os.IsNotExist(errors.Cause(err)):
		return nil
	case err == nil && cur.Token != c.owner.Token, errors.Is(err, errDamaged):
		c.markLost()
		return errors.Wrapf(ErrLost, "claim: %s", c.path)
	case err != nil:
		return err
	}
	if err := os.Remove(c.path); err != nil && !os.IsNotExist(err) {
		return errors.Wrapf(err, "claim: releasing %s", c.path)
	}
	return nil
}

// Read returns the owner recorded in the claim file of name in dir; the error satisfies
// os.IsNotExist (through errors.Cause) when nobody holds the claim.
func Read(dir, name string) (Owner, error) {
	o, _, _, err := read(Path(dir, name))
	return o, err
}

var (
	hostOnce sync.Once
	host     string
)

// hostName returns this machine's host name ("" when unknown).
func hostName() string {
	hostOnce.Do(func() { host, _ = os.Hostname() })
	return host
}

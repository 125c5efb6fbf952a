package h5

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"

	"github.com/pkg/errors"
)

// This file reads the structures of an HDF5 file (HDF5 File Format Specification, version 3.0)
// that the project's files use (Allen experiment files, USPS's usps.h5, and the files the
// project writes): the superblock (versions 0 to 3), object headers (versions 1 and
// 2, with continuation blocks), groups stored as symbol tables (version 1 B-trees, symbol table
// nodes and local heaps, as HDF5 1.8, h5py and the pure-Go writer store them) or as link
// messages, the dataspace, datatype, data layout and filter pipeline messages of datasets, the
// version 1 B-trees that index chunks, and global heaps (variable-length strings).
//
// It exists so that no file, however damaged, can crash the program: every address, length and
// count read from the file is checked against the file's size before a buffer is allocated for
// it or anything is sliced with it, and loops over file structures cannot run forever.

// h5Undefined is HDF5's undefined address (all bits set), whatever the size of offsets.
const h5Undefined = math.MaxUint64

// h5MaxRank is the largest rank HDF5 allows (H5S_MAX_RANK).
const h5MaxRank = 32

// h5InflateRatio bounds how many bytes a chunk may inflate to per stored byte: deflate cannot
// compress more than about 1032:1, so a dataset declaring more than this many bytes per byte of
// file is damaged, however it is stored.
const h5InflateRatio = 1100

// h5MaxMessages bounds the messages of one object header, and h5MaxBlocks its continuation
// blocks (real headers have tens of messages in one or two blocks).
const (
	h5MaxMessages = 1 << 16
	h5MaxBlocks   = 1 << 12
)

// h5reader reads the structures of one HDF5 file.
type h5reader struct {
	r io.ReaderAt
	// size is the file's size in bytes: no structure may lie beyond it.
	size uint64
	// base is the base address that file addresses are relative to.
	base uint64
	// offSize and lenSize are the sizes of addresses and lengths (2, 4 or 8).
	offSize, lenSize int
	// root is the address of the root group's object header.
	root uint64
	// eof is the end-of-file address the superblock declares.
	eof uint64
	// rootBTree and rootHeap are the root's symbol table as cached in a version 0 or 1
	// superblock (h5Undefined when not cached).
	rootBTree, rootHeap uint64
	// budget is how many more bytes the current operation (opening the file, or one read)
	// may read or build. Structures of a sound file are read once per operation; a damaged
	// one can point many times at the same large structure, which would cost memory and time
	// growing with the square of the file's size.
	budget uint64
}

// resetBudget gives a new operation its budget: a few times the file's size.
func (r *h5reader) resetBudget() { r.budget = 4*r.size + 64<<20 }

// spend takes n bytes from the operation's budget.
func (r *h5reader) spend(n uint64, what string) error {
	if n > r.budget {
		return errors.Errorf("%s: the file's structures point at each other over and over (more than %d bytes read for one operation)", what, 4*r.size+64<<20)
	}
	r.budget -= n
	return nil
}

// at reads n bytes at file address addr, checking first that they lie inside the file.
func (r *h5reader) at(addr, n uint64, what string) ([]byte, error) {
	if addr == h5Undefined {
		return nil, errors.Errorf("%s: undefined address", what)
	}
	abs := addr + r.base
	if abs < addr || abs > r.size || n > r.size-abs {
		return nil, errors.Errorf("%s of %d bytes at address %d runs past the file's end (%d bytes)", what, n, addr, r.size)
	}
	if err := r.spend(n, what); err != nil {
		return nil, err
	}
	b := make([]byte, n)
	if _, err := r.r.ReadAt(b, int64(abs)); err != nil {
		return nil, errors.Wrapf(err, "reading %s", what)
	}
	return b, nil
}

// upTo reads up to n bytes at address addr: fewer at the end of the file.
func (r *h5reader) upTo(addr, n uint64, what string) ([]byte, error) {
	abs := addr + r.base
	if addr != h5Undefined && abs >= addr && abs < r.size {
		n = min(n, r.size-abs)
	}
	return r.at(addr, n, what)
}

// h5cursor reads little-endian fields from a byte slice. Reading past the end sets bad and
// returns zeros (nil for byte strings): parsers check bad once a structure is read.
type h5cursor struct {
	b   []byte
	i   int
	bad bool
	// offSize and lenSize are the file's sizes of addresses and lengths.
	offSize, lenSize int
}

func (r *h5reader) cursor(b []byte) *h5cursor {
	return &h5cursor{b: b, offSize: r.offSize, lenSize: r.lenSize}
}

func (c *h5cursor) left() int { return len(c.b) - c.i }

func (c *h5cursor) take(n uint64) []byte {
	if c.bad || n > uint64(c.left()) {
		c.bad = true
		return nil
	}
	b := c.b[c.i : c.i+int(n)]
	c.i += int(n)
	return b
}

func (c *h5cursor) skip(n uint64) { c.take(n) }

// uint reads an n-byte little-endian unsigned integer (n from 1 to 8).
func (c *h5cursor) uint(n int) uint64 {
	b := c.take(uint64(n))
	var v uint64
	for k := len(b) - 1; k >= 0; k-- {
		v = v<<8 | uint64(b[k])
	}
	return v
}

func (c *h5cursor) u8() uint8   { return uint8(c.uint(1)) }
func (c *h5cursor) u16() uint16 { return uint16(c.uint(2)) }
func (c *h5cursor) u32() uint32 { return uint32(c.uint(4)) }

// addr reads an address; all bits set is [h5Undefined].
func (c *h5cursor) addr() uint64 {
	v := c.uint(c.offSize)
	if c.offSize < 8 && v == 1<<(8*c.offSize)-1 {
		return h5Undefined
	}
	return v
}

// length reads a length.
func (c *h5cursor) length() uint64 { return c.uint(c.lenSize) }

// h5Signature is the 8-byte signature that starts an HDF5 superblock.
const h5Signature = "\x89HDF\r\n\x1a\n"

// openH5Reader finds and reads the superblock of an HDF5 file of size bytes: at offset 0, or
// after a user block at 512, 1024, 2048... bytes.
func openH5Reader(ra io.ReaderAt, size int64) (*h5reader, error) {
	r := &h5reader{r: ra, size: uint64(size), rootBTree: h5Undefined, rootHeap: h5Undefined, offSize: 8, lenSize: 8}
	r.resetBudget()
	var sb []byte
	for off := uint64(0); off+8 <= r.size; off = max(512, 2*off) {
		sig, err := r.at(off, 8, "superblock signature")
		if err != nil {
			return nil, err
		}
		if string(sig) == h5Signature {
			if sb, err = r.upTo(off, 256, "superblock"); err != nil {
				return nil, err
			}
			break
		}
	}
	if sb == nil {
		return nil, errors.New("no HDF5 signature (not an HDF5 file)")
	}
	c := r.cursor(sb)
	c.skip(8)
	version := c.u8()
	switch version {
	case 0, 1:
		c.skip(4) // versions of the free-space storage, root symbol table entry, shared headers; reserved
		r.offSize, r.lenSize = int(c.u8()), int(c.u8())
		c.skip(1 + 4 + 4) // reserved, group leaf and internal node K, consistency flags
		if version == 1 {
			c.skip(4) // indexed storage internal node K, reserved
		}
	case 2, 3:
		r.offSize, r.lenSize = int(c.u8()), int(c.u8())
		c.skip(1) // consistency flags
	default:
		return nil, errors.Errorf("superblock version %d (this reader knows versions 0 to 3)", version)
	}
	for _, s := range []int{r.offSize, r.lenSize} {
		if s != 2 && s != 4 && s != 8 {
			return nil, errors.Errorf("superblock declares %d-byte addresses and %d-byte lengths, want 2, 4 or 8", r.offSize, r.lenSize)
		}
	}
	c.offSize, c.lenSize = r.offSize, r.lenSize
	r.base = c.addr()
	if version <= 1 {
		c.addr()         // free-space info
		r.eof = c.addr() // end of file
		c.addr()         // driver info
		c.addr()         // root entry: link name offset
		r.root = c.addr()
		cache := c.u32()
		c.skip(4)
		scratch := r.cursor(c.take(16))
		if cache == 1 {
			r.rootBTree, r.rootHeap = scratch.addr(), scratch.addr()
		}
	} else {
		c.addr()         // superblock extension
		r.eof = c.addr() // end of file
		r.root = c.addr()
	}
	if c.bad {
		return nil, errors.Errorf("superblock version %d cut short", version)
	}
	if r.base == h5Undefined || r.base > r.size {
		return nil, errors.Errorf("base address %d beyond the file's end (%d bytes)", r.base, r.size)
	}
	return r, nil
}

// h5Message is one message of an object header.
type h5Message struct {
	typ   uint16
	flags uint8
	data  []byte
	// at is the file address of data.
	at uint64
}

// Message types read (HDF5 File Format Specification, IV.A.2).
const (
	h5MsgDataspace    = 0x01
	h5MsgLinkInfo     = 0x02
	h5MsgDatatype     = 0x03
	h5MsgLayout       = 0x08
	h5MsgGroupInfo    = 0x0a
	h5MsgFilters      = 0x0b
	h5MsgLink         = 0x06
	h5MsgContinuation = 0x10
	h5MsgSymbolTable  = 0x11
)

// h5MsgShared is the message flag of a message stored elsewhere (a shared message).
const h5MsgShared = 0x02

// objectHeader reads the messages of the object header at addr, version 1 or 2, following its
// continuation blocks.
func (r *h5reader) objectHeader(addr uint64) ([]h5Message, error) {
	pre, err := r.upTo(addr, 16+16+4+8, "object header")
	if err != nil {
		return nil, err
	}
	type block struct{ addr, size uint64 }
	var blocks []block
	v2 := len(pre) >= 4 && string(pre[:4]) == "OHDR"
	maxMessages, creationOrder := h5MaxMessages, false
	if v2 {
		c := r.cursor(pre)
		c.skip(4)
		if v := c.u8(); v != 2 {
			return nil, errors.Errorf("object header at %d: version %d after OHDR, want 2", addr, v)
		}
		flags := c.u8()
		if flags&0x20 != 0 {
			c.skip(16) // access, modification, change and birth times
		}
		if flags&0x10 != 0 {
			c.skip(4) // attribute phase change values
		}
		size := c.uint(1 << (flags & 3))
		if c.bad {
			return nil, errors.Errorf("object header at %d cut short", addr)
		}
		creationOrder = flags&0x04 != 0
		blocks = append(blocks, block{addr + uint64(c.i), size})
	} else {
		if len(pre) < 16 || pre[0] != 1 {
			return nil, errors.Errorf("no object header at address %d", addr)
		}
		maxMessages = int(binary.LittleEndian.Uint16(pre[2:]))
		blocks = append(blocks, block{addr + 16, uint64(binary.LittleEndian.Uint32(pre[8:]))})
	}
	var msgs []h5Message
	count := 0 // messages read, continuations included
	seen := map[uint64]bool{}
	for k := 0; k < len(blocks); k++ {
		b := blocks[k]
		if seen[b.addr] || len(blocks) > h5MaxBlocks {
			return nil, errors.Errorf("object header at %d: its continuation blocks loop", addr)
		}
		seen[b.addr] = true
		raw, err := r.at(b.addr, b.size, fmt.Sprintf("object header at %d", addr))
		if err != nil {
			return nil, err
		}
		c := r.cursor(raw)
		hdr := 8
		if v2 {
			if k > 0 {
				if c.left() < 8 || string(c.take(4)) != "OCHK" {
					return nil, errors.Errorf("object header at %d: continuation block at %d has no OCHK signature", addr, b.addr)
				}
				c.b = c.b[:len(c.b)-4] // checksum
			}
			hdr = 4
			if creationOrder {
				hdr = 6
			}
		}
		for c.left() >= hdr && count < maxMessages {
			count++
			var m h5Message
			if v2 {
				m.typ = uint16(c.u8())
				size := c.u16()
				m.flags = c.u8()
				if creationOrder {
					c.skip(2)
				}
				m.at = b.addr + uint64(c.i)
				m.data = c.take(uint64(size))
			} else {
				m.typ = c.u16()
				size := c.u16()
				m.flags = c.u8()
				c.skip(3)
				m.at = b.addr + uint64(c.i)
				m.data = c.take(uint64(size))
			}
			if c.bad {
				return nil, errors.Errorf("object header at %d: message of type %d runs past its block", addr, m.typ)
			}
			if m.typ == h5MsgContinuation {
				mc := r.cursor(m.data)
				next := block{mc.addr(), mc.length()}
				if mc.bad {
					return nil, errors.Errorf("object header at %d: continuation message cut short", addr)
				}
				blocks = append(blocks, next)
				continue
			}
			msgs = append(msgs, m)
		}
	}
	return msgs, nil
}

// h5Type is a dataset's datatype.
type h5Type struct {
	// class is "integer", "float", "string" (fixed-length), "vlen" (variable-length string)
	// or the name of a class this reader does not read.
	class string
	// size is the size of one element in bytes.
	size int
	// signed and bigEndian describe integers and floats.
	signed, bigEndian bool
}

// h5ClassNames names the datatype classes (HDF5 File Format Specification, IV.A.2.d).
var h5ClassNames = []string{"integer", "float", "time", "string", "bitfield", "opaque", "compound",
	"reference", "enum", "variable-length", "array"}

// parseDatatype reads a datatype message.
func parseDatatype(b []byte) (h5Type, error) {
	if len(b) < 8 {
		return h5Type{}, errors.Errorf("datatype message of %d bytes, want at least 8", len(b))
	}
	class := int(b[0] & 0x0f)
	t := h5Type{size: int(binary.LittleEndian.Uint32(b[4:]))}
	if class >= len(h5ClassNames) {
		return t, errors.Errorf("datatype class %d is unknown", class)
	}
	t.class = h5ClassNames[class]
	switch class {
	case 0: // fixed-point
		t.bigEndian, t.signed = b[1]&0x01 != 0, b[1]&0x08 != 0
		if t.size != 1 && t.size != 2 && t.size != 4 && t.size != 8 {
			return t, errors.Errorf("%d-byte integers are not read", t.size)
		}
	case 1: // floating-point
		if b[1]&0x40 != 0 {
			return t, errors.New("VAX-order floats are not read")
		}
		t.bigEndian = b[1]&0x01 != 0
		if t.size != 4 && t.size != 8 {
			return t, errors.Errorf("%d-byte floats are not read", t.size)
		}
	case 3: // string
		if t.size < 1 {
			return t, errors.Errorf("strings of %d bytes", t.size)
		}
	case 9: // variable-length
		if b[1]&0x0f != 1 {
			t.class = "variable-length sequence"
			return t, nil
		}
		t.class = "vlen"
	}
	return t, nil
}

// parseDataspace reads a dataspace message: the dimensions, nil for a scalar, [0] for a null
// dataspace.
func parseDataspace(b []byte, lenSize int) ([]uint64, error) {
	c := &h5cursor{b: b, lenSize: lenSize}
	version, rank, flags := c.u8(), int(c.u8()), c.u8()
	null := false
	switch version {
	case 1:
		c.skip(5)
	case 2:
		typ := c.u8()
		switch typ {
		case 0:
			rank = 0
		case 1:
		case 2:
			null = true
		default:
			return nil, errors.Errorf("dataspace type %d is unknown", typ)
		}
	default:
		return nil, errors.Errorf("dataspace version %d (this reader knows 1 and 2)", version)
	}
	if rank > h5MaxRank {
		return nil, errors.Errorf("dataspace of rank %d, more than HDF5's %d", rank, h5MaxRank)
	}
	var dims []uint64
	for range rank {
		dims = append(dims, c.length())
	}
	if flags&1 != 0 {
		for range rank {
			c.length() // maximum dimensions
		}
	}
	if c.bad {
		return nil, errors.New("dataspace message cut short")
	}
	if null {
		return []uint64{0}, nil
	}
	return dims, nil
}

// Layout classes.
const (
	h5Compact    = 0
	h5Contiguous = 1
	h5Chunked    = 2
)

// h5Layout is a dataset's data layout message.
type h5Layout struct {
	class int
	// compact holds the data of a compact dataset.
	compact []byte
	// addr is the address of a contiguous dataset's data, or of a chunked dataset's B-tree.
	addr uint64
	// size is the size of a contiguous dataset's storage (0: not given, version 1 and 2).
	size uint64
	// chunk is the shape of a chunk, in elements; chunkElement the element size it declares.
	chunk        []uint64
	chunkElement uint64
}

// parseLayout reads a data layout message, versions 1 to 3 (HDF5 1.8 and earlier, the layouts
// of real experiment files), and the compact and contiguous layouts of version 4.
func (r *h5reader) parseLayout(b []byte) (h5Layout, error) {
	c := r.cursor(b)
	var l h5Layout
	version := c.u8()
	switch version {
	case 1, 2:
		ndims := uint64(c.u8())
		l.class = int(c.u8())
		c.skip(5)
		if l.class != h5Compact {
			l.addr = c.addr()
		}
		dims := make([]uint64, 0, ndims)
		for range ndims {
			dims = append(dims, uint64(c.u32()))
		}
		switch l.class {
		case h5Compact:
			l.compact = c.take(uint64(c.u32()))
		case h5Chunked:
			if len(dims) < 2 {
				return l, errors.Errorf("chunked layout of %d dimensions", len(dims))
			}
			l.chunk, l.chunkElement = dims[:len(dims)-1], dims[len(dims)-1]
		}
	case 3, 4:
		l.class = int(c.u8())
		switch l.class {
		case h5Compact:
			l.compact = c.take(uint64(c.u16()))
		case h5Contiguous:
			l.addr, l.size = c.addr(), c.length()
		case h5Chunked:
			if version == 4 {
				return l, errors.New("chunk indexes of layout version 4 (HDF5 1.10's) are not read")
			}
			ndims := uint64(c.u8())
			l.addr = c.addr()
			dims := make([]uint64, 0, ndims)
			for range ndims {
				dims = append(dims, uint64(c.u32()))
			}
			if len(dims) < 2 {
				return l, errors.Errorf("chunked layout of %d dimensions", len(dims))
			}
			l.chunk, l.chunkElement = dims[:len(dims)-1], dims[len(dims)-1]
		default:
			return l, errors.Errorf("layout class %d (virtual datasets and others are not read)", l.class)
		}
	default:
		return l, errors.Errorf("layout version %d (this reader knows 1 to 4)", version)
	}
	if c.bad {
		return l, errors.New("layout message cut short")
	}
	if l.class > h5Chunked {
		return l, errors.Errorf("layout class %d is unknown", l.class)
	}
	return l, nil
}

// Filters read (HDF5's predefined filters).
const (
	h5FilterDeflate    = 1
	h5FilterShuffle    = 2
	h5FilterFletcher32 = 3
)

// parseFilters reads a filter pipeline message and checks that this reader can undo each filter.
func parseFilters(b []byte) ([]uint16, error) {
	c := &h5cursor{b: b}
	version, n := c.u8(), int(c.u8())
	if version == 1 {
		c.skip(6)
	} else if version != 2 {
		return nil, errors.Errorf("filter pipeline version %d (this reader knows 1 and 2)", version)
	}
	var ids []uint16
	for range n {
		id := c.u16()
		nameLen := uint64(0)
		if version == 1 || id >= 256 {
			nameLen = uint64(c.u16())
		}
		c.u16() // flags
		values := uint64(c.u16())
		c.skip(nameLen)
		c.skip(4 * values)
		if version == 1 && values%2 == 1 {
			c.skip(4)
		}
		if c.bad {
			return nil, errors.New("filter pipeline message cut short")
		}
		switch id {
		case h5FilterDeflate, h5FilterShuffle, h5FilterFletcher32:
		default:
			return nil, errors.Errorf("filter %d (only deflate, shuffle and fletcher32 are read)", id)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// h5Link is one link of a group: a name and the address of the object's header.
type h5Link struct {
	name string
	addr uint64
	// btree and heap are the object's symbol table as cached in the symbol table entry that
	// links it (h5Undefined when not cached): old files' readers fall back on them.
	btree, heap uint64
}

// rootLink is the link to the root group, with the symbol table a version 0 or 1 superblock
// caches.
func (r *h5reader) rootLink() h5Link {
	return h5Link{addr: r.root, btree: r.rootBTree, heap: r.rootHeap}
}

// groupLinks returns the hard links of a group whose header holds msgs and which self links
// (soft and external links are skipped), and whether the object is a group at all. Groups of
// the "latest" format that keep their links in a fractal heap (dense storage) give an error.
func (r *h5reader) groupLinks(msgs []h5Message, self h5Link) (links []h5Link, isGroup bool, err error) {
	var stab []byte
	for _, m := range msgs {
		switch m.typ {
		case h5MsgSymbolTable:
			stab, isGroup = m.data, true
		case h5MsgGroupInfo:
			isGroup = true
		case h5MsgLinkInfo:
			isGroup = true
			c := r.cursor(m.data)
			c.u8() // version
			if c.u8()&1 != 0 {
				c.skip(8) // maximum creation index
			}
			if heap := c.addr(); heap != h5Undefined && !c.bad {
				return nil, true, errors.New("links kept in dense storage (a fractal heap) are not read")
			}
		case h5MsgLink:
			isGroup = true
			l, hard, err := r.parseLink(m.data)
			if err != nil {
				return nil, true, err
			}
			if hard {
				links = append(links, l)
			}
		}
	}
	btree, heap := uint64(h5Undefined), uint64(h5Undefined)
	if stab != nil {
		c := r.cursor(stab)
		btree, heap = c.addr(), c.addr()
		if c.bad {
			return nil, true, errors.New("symbol table message cut short")
		}
	} else if !isGroup && self.btree != h5Undefined {
		btree, heap, isGroup = self.btree, self.heap, true
	}
	if btree != h5Undefined {
		st, err := r.symbolTable(btree, heap)
		if err != nil {
			return nil, true, err
		}
		links = append(links, st...)
	}
	return links, isGroup, nil
}

// parseLink reads a link message; hard tells whether it is a hard link.
func (r *h5reader) parseLink(b []byte) (l h5Link, hard bool, err error) {
	c := r.cursor(b)
	if v := c.u8(); v != 1 {
		return l, false, errors.Errorf("link message version %d, want 1", v)
	}
	flags := c.u8()
	typ := uint8(0)
	if flags&0x08 != 0 {
		typ = c.u8()
	}
	if flags&0x04 != 0 {
		c.skip(8) // creation order
	}
	if flags&0x10 != 0 {
		c.skip(1) // character set
	}
	l.name = string(c.take(c.uint(1 << (flags & 3))))
	l.btree, l.heap = h5Undefined, h5Undefined
	if typ == 0 {
		l.addr = c.addr()
	}
	if c.bad {
		return l, false, errors.New("link message cut short")
	}
	return l, typ == 0, nil
}

// symbolTable returns the links of a group stored as a symbol table: a version 1 B-tree of
// symbol table nodes, with the names in a local heap.
func (r *h5reader) symbolTable(btree, heapAddr uint64) ([]h5Link, error) {
	hh, err := r.at(heapAddr, uint64(8+2*r.lenSize+r.offSize), "local heap")
	if err != nil {
		return nil, err
	}
	c := r.cursor(hh)
	if string(c.take(4)) != "HEAP" {
		return nil, errors.Errorf("no local heap (HEAP) at address %d", heapAddr)
	}
	c.skip(4)
	size := c.length()
	c.length() // free list
	heap, err := r.at(c.addr(), size, "local heap data")
	if err != nil {
		return nil, err
	}
	var links []h5Link
	err = r.btree(btree, 0, 0, func(key, child []byte, level int) error {
		if level > 0 {
			return nil
		}
		snod := r.cursor(child).addr()
		return r.symbolNode(snod, heap, &links)
	})
	return links, err
}

// symbolNode appends the hard links of the symbol table node at addr to links.
func (r *h5reader) symbolNode(addr uint64, heap []byte, links *[]h5Link) error {
	hdr, err := r.at(addr, 8, "symbol table node")
	if err != nil {
		return err
	}
	if string(hdr[:4]) != "SNOD" {
		return errors.Errorf("no symbol table node (SNOD) at address %d", addr)
	}
	n := uint64(binary.LittleEndian.Uint16(hdr[6:]))
	entrySize := uint64(2*r.offSize + 24)
	raw, err := r.at(addr+8, n*entrySize, "symbol table entries")
	if err != nil {
		return err
	}
	c := r.cursor(raw)
	for range n {
		nameOff, obj, cache := c.length(), c.addr(), c.u32()
		c.skip(4)
		scratch := r.cursor(c.take(16))
		if cache == 2 {
			continue // soft link
		}
		cachedBTree, cachedHeap := uint64(h5Undefined), uint64(h5Undefined)
		if cache == 1 {
			cachedBTree, cachedHeap = scratch.addr(), scratch.addr()
		}
		if nameOff >= uint64(len(heap)) {
			return errors.Errorf("symbol table entry's name at offset %d lies beyond its local heap (%d bytes)", nameOff, len(heap))
		}
		name := heap[nameOff:]
		if end := bytes.IndexByte(name, 0); end >= 0 {
			name = name[:end]
		}
		if err := r.spend(uint64(len(name))+32, "symbol table entries"); err != nil {
			return err
		}
		*links = append(*links, h5Link{name: string(name), addr: obj, btree: cachedBTree, heap: cachedHeap})
	}
	return nil
}

// btree walks the version 1 B-tree at addr of the given node type (0: group nodes, 1:
// chunks of a dataset, whose keys hold ndims offsets), calling visit for each key and child of
// each node, level by level. A node reached twice (a loop) is an error.
func (r *h5reader) btree(addr uint64, nodeType, ndims int, visit func(key, child []byte, level int) error) error {
	keySize := uint64(r.lenSize)
	if nodeType == 1 {
		keySize = 8 + 8*uint64(ndims)
	}
	seen := map[uint64]bool{}
	queue := []uint64{addr}
	for len(queue) > 0 {
		a := queue[0]
		queue = queue[1:]
		if seen[a] {
			return errors.Errorf("B-tree at %d: node %d is reached twice", addr, a)
		}
		seen[a] = true
		hdr, err := r.at(a, uint64(8+2*r.offSize), "B-tree node")
		if err != nil {
			return err
		}
		if string(hdr[:4]) != "TREE" || int(hdr[4]) != nodeType {
			return errors.Errorf("no B-tree node (TREE) of type %d at address %d", nodeType, a)
		}
		level, entries := int(hdr[5]), uint64(binary.LittleEndian.Uint16(hdr[6:]))
		raw, err := r.at(a+uint64(len(hdr)), entries*(keySize+uint64(r.offSize))+keySize, "B-tree node entries")
		if err != nil {
			return err
		}
		c := r.cursor(raw)
		for range entries {
			key := c.take(keySize)
			child := c.take(uint64(r.offSize))
			if err := visit(key, child, level); err != nil {
				return err
			}
			if level > 0 {
				queue = append(queue, r.cursor(child).addr())
			}
		}
	}
	return nil
}

// globalHeap reads the global heap collection at addr and returns its objects by index.
func (r *h5reader) globalHeap(addr uint64) (map[uint16][]byte, error) {
	hdr, err := r.at(addr, uint64(8+r.lenSize), "global heap")
	if err != nil {
		return nil, err
	}
	c := r.cursor(hdr)
	if string(c.take(4)) != "GCOL" {
		return nil, errors.Errorf("no global heap (GCOL) at address %d", addr)
	}
	c.skip(4)
	size := c.length()
	if size < uint64(len(hdr)) {
		return nil, errors.Errorf("global heap at %d: collection size %d, smaller than its header", addr, size)
	}
	raw, err := r.at(addr, size, "global heap collection")
	if err != nil {
		return nil, err
	}
	objects := map[uint16][]byte{}
	c = r.cursor(raw)
	c.skip(uint64(len(hdr)+7) &^ 7)
	for c.left() >= 8+r.lenSize {
		index := c.u16()
		c.skip(6) // reference count, reserved
		n := c.length()
		if index == 0 {
			break // free space: the rest of the collection
		}
		data := c.take(n)
		if c.bad {
			return nil, errors.Errorf("global heap at %d: object %d of %d bytes runs past the collection", addr, index, n)
		}
		objects[index] = data
		c.skip(min(uint64((8-len(data)%8)%8), uint64(c.left()))) // the last padding may be cut
	}
	return objects, nil
}

package hive

import (
	"container/list"
	"errors"
	"io"
	"sync"
)

// pageSize is the unit the cache reads from the file: the hive format's
// own page size, so a cell's header, its payload and its neighbours
// usually arrive in one read.
const pageSize = 4096

// DefaultCachePages bounds the memory one open hive may hold: 1024 pages
// of 4 KiB (4 MiB), whatever the hive's size. A scan touches a few hundred
// pages; the rest of the file is never read.
const DefaultCachePages = 1024

// pageCache is an io.ReaderAt over a file that keeps the last pages read
// (least recently used are dropped first). The hive reader decodes every
// structure field by field, so without it each field would be a system
// call; with it a scan costs a few hundred reads of 4 KiB.
type pageCache struct {
	r    io.ReaderAt
	size int64
	max  int

	mu    sync.Mutex
	pages map[int64]*list.Element
	lru   list.List // front = most recently used; values are *page
	reads int       // reads that reached r, for tests and benchmarks
}

type page struct {
	off  int64
	data []byte // pageSize bytes, shorter only at the end of the file
}

func newPageCache(r io.ReaderAt, size int64, maxPages int) *pageCache {
	if maxPages <= 0 {
		maxPages = DefaultCachePages
	}
	return &pageCache{r: r, size: size, max: maxPages, pages: map[int64]*list.Element{}}
}

var errNegativeOffset = errors.New("negative offset")

// ReadAt reads from the cached pages, loading the missing ones.
func (c *pageCache) ReadAt(b []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errNegativeOffset
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for n < len(b) {
		pos := off + int64(n)
		if pos >= c.size {
			return n, io.EOF
		}
		base := pos - pos%pageSize
		p, err := c.page(base)
		if err != nil {
			return n, err
		}
		m := copy(b[n:], p.data[pos-base:])
		if m == 0 {
			return n, io.EOF
		}
		n += m
	}
	return n, nil
}

func (c *pageCache) page(base int64) (*page, error) {
	if e, ok := c.pages[base]; ok {
		c.lru.MoveToFront(e)
		return e.Value.(*page), nil
	}
	var buf []byte
	if c.lru.Len() >= c.max {
		// Reuse the least recently used page's buffer: no garbage.
		old := c.lru.Back()
		p := old.Value.(*page)
		delete(c.pages, p.off)
		c.lru.Remove(old)
		buf = p.data[:cap(p.data)]
	} else {
		buf = make([]byte, pageSize)
	}
	want := min(int64(pageSize), c.size-base)
	m, err := c.r.ReadAt(buf[:want], base)
	c.reads++
	if int64(m) < want {
		if err == nil || errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF // the file shrank under us
		}
		return nil, err
	}
	p := &page{off: base, data: buf[:want]}
	c.pages[base] = c.lru.PushFront(p)
	return p, nil
}

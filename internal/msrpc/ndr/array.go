package ndr

// Arrays (C706 14.3.3). A conformant array ([size_is]) is preceded by its
// maximum count; a varying one ([length_is]) by an offset and the actual
// count; a conformant varying array by all three. Elements follow, each
// aligned as its type wants. This package only ever meets offset 0 and
// refuses others.
//
// Decoding checks every count against the caller's bound and against the
// bytes left (at the element type's smallest wire size) before allocating.

// ConformantArray codes [size_is(n)] T a[]: the count, then the elements.
// Decoding accepts at most bound elements.
func ConformantArray[T any, P PtrPtr[T]](c *Coder, s *[]T, bound int) {
	n := uint32(len(*s))
	c.Uint32(&n)
	elements[T, P](c, s, n, bound)
}

// ConformantVaryingArray codes [size_is(max), length_is(n)] T a[]: the
// maximum count (at least len(*s) when encoding), offset 0, the actual
// count, then the elements. Decoding accepts at most bound elements sent.
func ConformantVaryingArray[T any, P PtrPtr[T]](c *Coder, s *[]T, maxCount, bound int) {
	n := c.Variance(len(*s), maxCount, bound)
	elements[T, P](c, s, n, bound)
}

func (c *Coder) elementsCheck(n uint32, bound, minSize int) bool {
	if c.err != nil {
		return false
	}
	switch {
	case int64(n) > int64(bound):
		c.Failf("array of %d elements exceeds the bound %d", n, bound)
	case int64(n)*int64(minSize) > int64(c.Remaining()):
		c.Failf("array of %d elements overruns the data (%d bytes left)", n, c.Remaining())
	}
	return c.err == nil
}

// elements codes n elements of s (decoding: after checking n).
func elements[T any, P PtrPtr[T]](c *Coder, s *[]T, n uint32, bound int) {
	if c.decoding {
		*s = nil
		if !c.elementsCheck(n, bound, inlineSize[T, P]()) {
			return
		}
		*s = make([]T, n)
	}
	c.construct(func() {
		for i := range *s {
			if c.err != nil {
				return
			}
			P(&(*s)[i]).NDR(c)
		}
	})
}

// inlineSize is the smallest number of bytes an element of T takes in an
// array: its zero value's inline part (deferred referents excluded). It
// bounds what a hostile count may make a decoder allocate.
func inlineSize[T any, P PtrPtr[T]]() int {
	e := NewEncoder()
	e.depth = 1 // referents are deferred, never coded
	var zero T
	P(&zero).NDR(e)
	return max(1, len(e.buf))
}

// Variance codes the maximum count, offset and actual count of a
// conformant varying array and returns the actual count. Encoding, it
// writes max(maxCount, n), 0, n. Decoding, it checks offset 0, actual <=
// maximum and actual <= bound.
func (c *Coder) Variance(n, maxCount, bound int) uint32 {
	maxC, offset, actual := uint32(max(n, maxCount)), uint32(0), uint32(n)
	c.Uint32(&maxC)
	c.Uint32(&offset)
	c.Uint32(&actual)
	if !c.decoding || c.err != nil {
		return actual
	}
	switch {
	case offset != 0:
		c.Failf("array offset %d (only 0 is used by these protocols)", offset)
	case actual > maxC:
		c.Failf("array actual count %d exceeds its maximum %d", actual, maxC)
	case int64(actual) > int64(bound):
		c.Failf("array of %d elements exceeds the bound %d", actual, bound)
	}
	if c.err != nil {
		return 0
	}
	return actual
}

// VaryingBytes codes a conformant varying byte array ([size_is(max),
// length_is(len)] BYTE b[]), the data of a registry value or a buffer the
// server fills. Decoding copies at most bound bytes out of the input.
func (c *Coder) VaryingBytes(b *[]byte, maxCount, bound int) {
	n := c.Variance(len(*b), maxCount, bound)
	c.rawBytes(b, n)
}

// ConformantBytes codes a conformant byte array ([size_is(n)] BYTE b[]).
func (c *Coder) ConformantBytes(b *[]byte, bound int) {
	n := uint32(len(*b))
	c.Uint32(&n)
	if c.decoding && !c.elementsCheck(n, bound, 1) {
		*b = nil
		return
	}
	c.rawBytes(b, n)
}

func (c *Coder) rawBytes(b *[]byte, n uint32) {
	if !c.decoding {
		c.buf = append(c.buf, *b...)
		return
	}
	*b = nil
	if c.err != nil || !c.need(int(n)) {
		return
	}
	*b = append([]byte(nil), c.buf[c.off:c.off+int(n)]...)
	c.off += int(n)
}

// Uint16s codes n 16-bit elements (WCHARs) of an array whose header was
// coded already; decoding checks them against the input first.
func (c *Coder) Uint16s(s *[]uint16, n uint32) {
	if c.decoding {
		*s = nil
		if c.err != nil || !c.need(2*int(n)) {
			return
		}
		*s = make([]uint16, n)
	}
	for i := range *s {
		c.Uint16(&(*s)[i])
	}
}

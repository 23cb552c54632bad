package ndr

// Pointers (C706 14.3.10). On the wire a pointer is a 4-byte referent ID,
// 0 for null; its referent comes later: right after the pointer at the top
// level of a call, after the outermost embedding construct otherwise.
//
// [ref] pointers are never null. At the top level of a call they have no
// wire form at all (code the referent itself); embedded, they carry an ID.
// [unique] pointers may be null. [ptr] (full) pointers may also alias: a
// second pointer with an ID already seen refers to the same referent, which
// is not sent again.

// PtrPtr is the constraint of the pointer helpers: *T is a Type.
type PtrPtr[T any] interface {
	*T
	Type
}

// Pointer codes a referent ID. Encoding, present says whether the pointer is
// non-null; decoding, the ID read decides, and a null [ref] pointer is an
// error. When a referent follows, Pointer queues referent (or runs it now
// at the top level) and reports true.
func (c *Coder) Pointer(ref bool, present bool, referent func()) bool {
	if !c.referentID(ref, present) {
		return false
	}
	c.Referent(referent)
	return true
}

// referentID writes a fresh ID (or 0), or reads one, and reports whether a
// referent follows.
func (c *Coder) referentID(ref, present bool) bool {
	if !c.decoding {
		if !present {
			if ref {
				c.Failf("null [ref] pointer")
				return false
			}
			zero := uint32(0)
			c.Uint32(&zero)
			return false
		}
		// IDs as Windows hands them out: 0x00020000, then every 4.
		id := 0x00020000 + c.nextID
		c.nextID += 4
		c.Uint32(&id)
		return true
	}
	_, ok := c.readID(ref)
	return ok
}

func (c *Coder) readID(ref bool) (uint32, bool) {
	var id uint32
	c.Uint32(&id)
	if c.err != nil {
		return 0, false
	}
	if id == 0 {
		if ref {
			c.Failf("null [ref] pointer")
		}
		return 0, false
	}
	return id, true
}

// Referent codes body now when c is at the top level, else after the
// outermost open construct. Types with a pointer of their own making
// (a string's characters) call it after coding the ID.
func (c *Coder) Referent(body func()) {
	if c.err != nil {
		return
	}
	if c.depth > 0 {
		c.queue = append(c.queue, body)
		return
	}
	c.depth++
	body()
	c.depth--
	c.flush()
}

// Unique codes a [unique] pointer to a T: nil is null.
func Unique[T any, P PtrPtr[T]](c *Coder, p **T) {
	pointerTo[T, P](c, false, p)
}

// Ref codes an embedded [ref] pointer to a T: never null. (A top-level
// [ref] parameter has no wire form: code its referent directly.)
func Ref[T any, P PtrPtr[T]](c *Coder, p **T) {
	pointerTo[T, P](c, true, p)
}

func pointerTo[T any, P PtrPtr[T]](c *Coder, ref bool, p **T) {
	if c.decoding {
		*p = nil
	}
	if !c.referentID(ref, *p != nil) {
		return
	}
	if c.decoding {
		*p = new(T)
	}
	v := *p
	c.Referent(func() { P(v).NDR(c) })
}

// Full codes a [ptr] (full) pointer to a T. Encoding, every non-nil pointer
// gets its own referent (this package never sends aliases). Decoding, an ID
// seen before makes *p the referent decoded for it then; an ID seen before
// with a referent of another type is an error.
func Full[T any, P PtrPtr[T]](c *Coder, p **T) {
	if !c.decoding {
		Unique[T, P](c, p)
		return
	}
	*p = nil
	id, ok := c.readID(false)
	if !ok {
		return
	}
	if prev, seen := c.full[id]; seen {
		v, same := prev.(*T)
		if !same {
			c.Failf("full pointer 0x%08x refers to a referent of another type", id)
			return
		}
		*p = v
		return
	}
	if c.full == nil {
		c.full = map[uint32]any{}
	}
	v := new(T)
	c.full[id] = v
	*p = v
	c.Referent(func() { P(v).NDR(c) })
}

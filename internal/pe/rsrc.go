package pe

import "fmt"

const (
	rtVersion     = 16 // RT_VERSION
	resDirSize    = 16 // IMAGE_RESOURCE_DIRECTORY
	resEntrySize  = 8  // IMAGE_RESOURCE_DIRECTORY_ENTRY
	resDataSize   = 16 // IMAGE_RESOURCE_DATA_ENTRY
	resSubdirFlag = 0x80000000
)

// versionBlock walks the resource tree — type RT_VERSION, then the first
// name, then the first language, as GetFileVersionInfo effectively does
// for a neutral lookup and as pefile lists them — and returns the
// VS_VERSIONINFO bytes and their file offset.
//
// The tree has exactly three levels, and this walk descends exactly three
// times without recursion, so a directory entry pointing back at its own
// directory (a loop) cannot make it spin: it is reported as a type mismatch
// at the level where a data entry was expected.
func (rd *reader) versionBlock(h *headers) ([]byte, int64, error) {
	if h.rsrcRVA == 0 || h.rsrcSize == 0 {
		return nil, 0, formatErr(ErrNoVersion, -1, "no resource directory")
	}
	base, end, err := rd.rvaToOffset(h, h.rsrcRVA)
	if err != nil {
		return nil, 0, fmt.Errorf("resource directory: %w", err)
	}

	// Level 1: find the RT_VERSION type among all entries.
	entries, err := rd.resDir(base, end, -1, "resource type directory")
	if err != nil {
		return nil, 0, err
	}
	target := uint32(0)
	found := false
	for i := 0; i+resEntrySize <= len(entries); i += resEntrySize {
		if u32(entries, i) == rtVersion { // ID entry (high bit clear) with ID 16
			target, found = u32(entries, i+4), true
			break
		}
	}
	if !found {
		return nil, 0, formatErr(ErrNoVersion, base, "resource directory has no RT_VERSION entry")
	}

	// Levels 2 (name) and 3 (language): first entry of each; both must be
	// subdirectories.
	for _, level := range []string{"version name directory", "version language directory"} {
		if target&resSubdirFlag == 0 {
			return nil, 0, formatErr(ErrMalformed, base, "%s: entry points to data where a subdirectory is required", level)
		}
		first, err := rd.resDir(base+int64(target&^resSubdirFlag), end, 1, level)
		if err != nil {
			return nil, 0, err
		}
		if len(first) == 0 {
			return nil, 0, formatErr(ErrNoVersion, base+int64(target&^resSubdirFlag), "%s is empty", level)
		}
		target = u32(first, 4)
	}
	if target&resSubdirFlag != 0 {
		return nil, 0, formatErr(ErrMalformed, base, "version resource: language entry points to a subdirectory where data is required (a loop or a corrupt tree)")
	}
	deOff := base + int64(target)
	de, err := rd.get(deOff, resDataSize, rsrcWindow, end, "version resource data entry")
	if err != nil {
		return nil, 0, err
	}
	dataRVA, dataSize := u32(de, 0), u32(de, 4)
	if dataSize == 0 {
		return nil, 0, formatErr(ErrNoVersion, deOff, "version resource is empty")
	}
	off, dend, err := rd.rvaToOffset(h, dataRVA)
	if err != nil {
		return nil, 0, fmt.Errorf("version resource data: %w", err)
	}
	// VS_VERSIONINFO.wLength is 16 bits, so nothing past 64 KB is part of
	// it, whatever the data entry claims. Read what the file has of it; the
	// parser checks that wLength fits.
	n := int64(min(dataSize, maxVersionBlock))
	if n > dend-off {
		n = dend - off
	}
	block, err := rd.get(off, int(n), 0, dend, "version resource")
	if err != nil {
		return nil, 0, err
	}
	return block, off, nil
}

// resDir reads the directory at file offset off (before end) and returns
// its entries, at most limit of them when limit >= 0.
func (rd *reader) resDir(off, end int64, limit int, what string) ([]byte, error) {
	hdr, err := rd.get(off, resDirSize, rsrcWindow, end, what)
	if err != nil {
		return nil, err
	}
	n := int(u16(hdr, 12)) + int(u16(hdr, 14))
	if n > maxDirEntries {
		return nil, formatErr(ErrMalformed, off, "%s has %d entries, more than the %d this reader accepts", what, n, maxDirEntries)
	}
	if limit >= 0 && n > limit {
		n = limit
	}
	b, err := rd.get(off+resDirSize, n*resEntrySize, rsrcWindow, end, what+" entries")
	if err != nil {
		return nil, err
	}
	return b, nil
}

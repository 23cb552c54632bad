package catalog

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// Choice says which catalog LoadNewest chose and why.
type Choice struct {
	Source string // the cached catalog's path, or DefaultName
	Date   string // its LastDataUpdate (YYYY-MM-DD), "" if it has none
	// Note, when set, says why the cached catalog was not used although it
	// exists (unreadable, invalid, older than the embedded one).
	Note string
}

// LoadNewest loads the newer, by LastDataUpdate, of the embedded catalog
// and the catalog at cachedPath (written by `patchscan catalog update`). A
// missing cached file is not an error; an unreadable or invalid one is set
// aside with a Note and the embedded catalog is used, so a damaged cache
// never stops a scan.
func LoadNewest(cachedPath string) (*Catalog, Choice, error) {
	embedded, _ := peekDate(bytes.NewReader(defaultXML))
	choice := Choice{Source: DefaultName, Date: embedded}
	if cachedPath != "" {
		cached, err := PeekDate(cachedPath)
		switch {
		case errors.Is(err, os.ErrNotExist):
		case err != nil:
			choice.Note = fmt.Sprintf("cached catalog %s unreadable (%v); run patchscan catalog update", cachedPath, err)
		case cached < embedded:
			choice.Note = fmt.Sprintf("cached catalog %s (data of %s) is older than the embedded one", cachedPath, cached)
		default:
			c, err := LoadFile(cachedPath)
			if err == nil {
				return c, Choice{Source: cachedPath, Date: cached}, nil
			}
			choice.Note = fmt.Sprintf("cached catalog %s is invalid (%v); run patchscan catalog update", cachedPath, err)
		}
	}
	c, err := Default()
	return c, choice, err
}

// PeekDate returns a catalog file's LastDataUpdate, reading only up to its
// root element.
func PeekDate(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	return peekDate(f)
}

func peekDate(r io.Reader) (string, error) {
	d := xml.NewDecoder(io.LimitReader(r, 1<<20))
	for {
		t, err := d.Token()
		if err != nil {
			return "", fmt.Errorf("no <BulletinDatastore> root: %w", err)
		}
		se, ok := t.(xml.StartElement)
		if !ok {
			continue
		}
		if se.Name.Local != "BulletinDatastore" {
			return "", fmt.Errorf("root element is <%s>, not <BulletinDatastore>", se.Name.Local)
		}
		for _, a := range se.Attr {
			if a.Name.Local == "LastDataUpdate" {
				return a.Value, nil
			}
		}
		return "", nil
	}
}

// DataAge returns how old a catalog's data is at now (from its
// LastDataUpdate); ok is false when the catalog gives no usable date.
func DataAge(c *Catalog, now time.Time) (age time.Duration, ok bool) {
	t, err := time.Parse("2006-01-02", c.LastDataUpdate)
	if err != nil {
		return 0, false
	}
	return now.Sub(t), true
}

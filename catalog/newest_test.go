package catalog

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// withDate returns the embedded catalog with another LastDataUpdate.
func withDate(t *testing.T, date string) []byte {
	t.Helper()
	embedded, err := peekDate(bytes.NewReader(defaultXML))
	if err != nil || embedded == "" {
		t.Fatalf("embedded catalog date %q: %v", embedded, err)
	}
	return bytes.Replace(defaultXML, []byte(`LastDataUpdate="`+embedded+`"`), []byte(`LastDataUpdate="`+date+`"`), 1)
}

func TestLoadNewest(t *testing.T) {
	embedded, _ := peekDate(bytes.NewReader(defaultXML))
	dir := t.TempDir()
	newer := filepath.Join(dir, "newer.xml")
	older := filepath.Join(dir, "older.xml")
	broken := filepath.Join(dir, "broken.xml")
	invalid := filepath.Join(dir, "invalid.xml")
	os.WriteFile(newer, withDate(t, "2099-01-31"), 0o644)
	os.WriteFile(older, withDate(t, "2001-01-31"), 0o644)
	os.WriteFile(broken, []byte("<html>"), 0o644)
	os.WriteFile(invalid, bytes.Replace(withDate(t, "2099-01-31"), []byte(`<Bulletin `), []byte(`<Bulletin Bogus="1" DatePosted="never" `), 1), 0o644)
	for _, tc := range []struct {
		path, source, date, note string
	}{
		{"", DefaultName, embedded, ""},
		{filepath.Join(dir, "missing.xml"), DefaultName, embedded, ""},
		{newer, newer, "2099-01-31", ""},
		{older, DefaultName, embedded, "is older than the embedded one"},
		{broken, DefaultName, embedded, "unreadable"},
		{invalid, DefaultName, embedded, "is invalid"},
	} {
		c, ch, err := LoadNewest(tc.path)
		if err != nil {
			t.Fatalf("%s: %v", tc.path, err)
		}
		if ch.Source != tc.source || ch.Date != tc.date || c.LastDataUpdate != tc.date || !strings.Contains(ch.Note, tc.note) || (tc.note == "") != (ch.Note == "") {
			t.Errorf("%s: choice %+v, catalog date %s; want %s %s note %q", tc.path, ch, c.LastDataUpdate, tc.source, tc.date, tc.note)
		}
	}
}

func TestDataAge(t *testing.T) {
	c := &Catalog{LastDataUpdate: "2026-01-30"}
	age, ok := DataAge(c, time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC))
	if !ok || age != 35*24*time.Hour {
		t.Errorf("age %v ok %v", age, ok)
	}
	if _, ok := DataAge(&Catalog{}, time.Now()); ok {
		t.Error("a catalog without a date has an age")
	}
}

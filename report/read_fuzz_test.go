package report

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzReadHostXML feeds arbitrary bytes to the reader `patchscan rollup`
// uses on files it did not write: it must never panic, and whatever it
// accepts must be consistent (known statuses, counts matching the missing
// list, values cleaned and bounded).
func FuzzReadHostXML(f *testing.F) {
	for _, h := range append(fixtureHosts(), hostile()) {
		var buf bytes.Buffer
		if err := WriteHostXML(&buf, testMeta, h); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	f.Add([]byte(`<ScanReport xmlns="urn:patchscan:report:1" generated="2026-11-22T10:00:00Z"><Host name="a" status="scanned"><Result kind="service-pack" kb="SP1" product="1" status="missing"/><Products><Product id="1" name="W"/></Products></Host></ScanReport>`))
	f.Add([]byte(`<Rollup xmlns="urn:patchscan:rollup:1"/>`))
	f.Add([]byte(`<ScanReport xmlns="urn:patchscan:report:2" catalogDate="2026-03-01" generated="2026-11-22T10:00:00Z"><Host name="a" status="scanned"><Vulnerability cve="CVE-2026-1" severity="Critical" exploited="true" fixedBy="KB1 KB2"/><Result kb="KB1" status="missing" cves="CVE-2026-1" via="KB2"/></Host></ScanReport>`))
	f.Add([]byte(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><ScanReport xmlns="urn:patchscan:report:1">&a;</ScanReport>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		hosts, err := ReadHostXML(bytes.NewReader(data), "fuzz.xml")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.xml") && err != ErrNotHostReport {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		for _, h := range hosts {
			if !validHostStatus(h.Status) {
				t.Fatalf("accepted host status %q", h.Status)
			}
			if h.Counts.Missing != len(h.Missing) {
				t.Fatalf("missing count %d but %d missing refs", h.Counts.Missing, len(h.Missing))
			}
			for _, s := range []string{h.Name, h.Address, h.Error, h.Domain} {
				if s != clean(s) {
					t.Fatalf("uncleaned value %q", s)
				}
			}
		}
	})
}

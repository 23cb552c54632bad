package report

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/scan"
	"github.com/patchscan/patchscan/scan/transport"
)

// TestHostWarnings: a host's warnings (an image's dirty hive) are in its
// XML, valid against report.xsd whether or not the host was scanned, in
// JSON Lines and in the text output, cleaned like every host string.
func TestHostWarnings(t *testing.T) {
	scanned := fixtureHosts()[2]
	scanned.Warnings = []string{"the SYSTEM hive is dirty\x1b[2J: recent changes may be missing"}
	failed := scan.HostResult{Target: "/mnt/img", Name: "/mnt/img", Address: "/mnt/img", Transport: "image", Status: transport.Failed,
		Error: errors.New("SOFTWARE hive: not a registry hive"), Warnings: []string{"the SAM hive is dirty"}, Started: t0, Finished: t0}
	for _, h := range []scan.HostResult{scanned, failed} {
		t.Run(h.Name, func(t *testing.T) {
			var x bytes.Buffer
			if err := WriteHostXML(&x, testMeta, h); err != nil {
				t.Fatal(err)
			}
			validate(t, reportXSD, x.Bytes())
			var j, txt, tbl bytes.Buffer
			feed(t, NewJSONLines(&j, testMeta), []scan.HostResult{h})
			feed(t, NewText(&txt, mustShow(t, DefaultShow)), []scan.HostResult{h})
			feed(t, NewTable(&tbl, mustShow(t, DefaultShow), testMeta), []scan.HostResult{h})
			w := strings.SplitN(h.Warnings[0], "\x1b", 2)[0]
			for what, out := range map[string]string{"xml": x.String(), "json": j.String(), "text": txt.String(), "table": tbl.String()} {
				if !strings.Contains(out, w) || strings.Contains(out, "\x1b") {
					t.Errorf("%s: warning missing or not cleaned:\n%s", what, out)
				}
			}
			if !strings.Contains(x.String(), "<Warning>"+w) || !strings.Contains(j.String(), `"warnings":["`+w) || !strings.Contains(txt.String(), "* Warning: "+w) {
				t.Errorf("warning not in its place:\n%s\n%s\n%s", x.String(), j.String(), txt.String())
			}
		})
	}
}

// TestInsecureRoundTrip: the run's insecure modes are written at the
// root of the per-host XML, read back by `rollup`, and a rollup of runs
// lists every mode of any of them once, sorted; hostile tokens read
// back are made NMTOKENs.
func TestInsecureRoundTrip(t *testing.T) {
	meta := testMeta
	meta.Insecure = []string{"winrm-http", "bad token/\x1b"}
	var x bytes.Buffer
	if err := WriteHostXML(&x, meta, fixtureHosts()[0]); err != nil {
		t.Fatal(err)
	}
	validate(t, reportXSD, x.Bytes())
	hosts, err := ReadHostXML(&x, "ws01.xml")
	if err != nil || len(hosts) != 1 {
		t.Fatalf("%d hosts, %v", len(hosts), err)
	}
	if got := strings.Join(hosts[0].Insecure, " "); got != "winrm-http bad_token__" {
		t.Errorf("read back %q", got)
	}
	r := NewRollup("", t0)
	r.Add(hosts[0])
	r.Add(Summarize(Meta{Insecure: []string{"ldap-no-tls", "winrm-http"}}, fixtureHosts()[1]))
	var roll bytes.Buffer
	if err := r.WriteXML(&roll); err != nil {
		t.Fatal(err)
	}
	validate(t, rollupXSD, roll.Bytes())
	if !strings.Contains(roll.String(), `insecure="bad_token__ ldap-no-tls winrm-http"`) {
		t.Errorf("rollup root:\n%s", roll.String()[:300])
	}
}

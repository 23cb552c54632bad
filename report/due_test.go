package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/report/deadline"
	"github.com/patchscan/patchscan/scan"
	"github.com/patchscan/patchscan/scan/transport"
)

func TestDue(t *testing.T) {
	scannedAt := time.Date(2017, 3, 15, 9, 0, 0, 0, time.UTC)
	h := scan.HostResult{Status: transport.Scanned, Finished: scannedAt}
	weekly, err := deadline.Parse("critical=7d")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		meta      Meta
		r         detect.Result
		due       string
		known, od bool
	}{
		{"critical, a day after release: overdue", Meta{}, detect.Result{Status: detect.StatusMissing, Severity: "Critical", Released: "2017-03-14"}, "2017-03-15", true, true},
		{"critical, released the day of the scan", Meta{}, detect.Result{Status: detect.StatusMissing, Severity: "Critical", Released: "2017-03-15"}, "2017-03-16", true, false},
		{"important, a day after release", Meta{}, detect.Result{Status: detect.StatusMissing, Severity: "Important", Released: "2017-03-14"}, "2017-04-14", true, false},
		{"a week for critical", Meta{Deadlines: weekly}, detect.Result{Status: detect.StatusMissing, Severity: "Critical", Released: "2017-03-14"}, "2017-03-21", true, false},
		{"no release date", Meta{}, detect.Result{Status: detect.StatusMissing, Severity: "Critical"}, "", false, false},
		{"installed: no due date", Meta{}, detect.Result{Status: detect.StatusInstalled, Severity: "Critical", Released: "2017-03-14"}, "", false, false},
		{"warning: no due date", Meta{}, detect.Result{Status: detect.StatusWarning, Severity: "Critical", Released: "2017-03-14"}, "", false, false},
	}
	for _, tt := range tests {
		due, known, od := Due(tt.meta, h, tt.r)
		got := ""
		if known {
			got = deadline.FormatDate(due)
		}
		if got != tt.due || known != tt.known || od != tt.od {
			t.Errorf("%s: due %q known %v overdue %v; want %q %v %v", tt.name, got, known, od, tt.due, tt.known, tt.od)
		}
	}
	// Without a finished time, the run's start decides.
	h.Finished = time.Time{}
	if _, _, od := Due(Meta{Generated: scannedAt}, h, tests[0].r); !od {
		t.Error("not overdue at the run's start")
	}
}

// TestDueReadBack: the due dates written in a host's XML are read back,
// and a bad one is refused with a clear error.
func TestDueReadBack(t *testing.T) {
	var b bytes.Buffer
	hosts := fixtureHosts()
	if err := WriteHostXML(&b, testMeta, hosts[1]); err != nil { // PC02: two overdue
		t.Fatal(err)
	}
	got, err := ReadHostXML(bytes.NewReader(b.Bytes()), "pc02.xml")
	if err != nil {
		t.Fatal(err)
	}
	want := Summarize(testMeta, hosts[1])
	if got[0].Overdue != 2 || want.Overdue != 2 || len(got[0].Due) != 2 || got[0].Due[0] != want.Due[0] || got[0].Due[1] != want.Due[1] {
		t.Errorf("read back %+v, want %+v", got[0].Due, want.Due)
	}
	for _, bad := range []string{`due="2017-3-15"`, `due="yesterday"`, `due="2017-03-15T00:00:00"`, `overdue="yes"`, `overdue="1"`} {
		doc := strings.Replace(b.String(), `due="2017-03-15" overdue="true"`, bad, 1)
		if doc == b.String() {
			t.Fatal("the fixture has no due attribute to break")
		}
		if _, err := ReadHostXML(strings.NewReader(doc), "bad.xml"); err == nil || !strings.Contains(err.Error(), "bad.xml:") {
			t.Errorf("%s: error %v, want one naming the file and line", bad, err)
		}
	}
}

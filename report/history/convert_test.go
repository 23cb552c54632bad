package history

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/report"
	"github.com/patchscan/patchscan/scan"
	"github.com/patchscan/patchscan/scan/transport"
)

func scanResult(at time.Time) scan.HostResult {
	return scan.HostResult{Target: "ws01", Name: "WS01", Address: "127.0.0.21", Domain: "LAB", Transport: "smb",
		Status: transport.Scanned, Started: at, Finished: at.Add(time.Second),
		Report: &detect.Report{
			OS:       detect.OS{Product: "Windows Server 2008 R2 Standard", Version: "6.1", Build: "7601"},
			Products: []detect.ProductRef{{ID: 10, Name: "Windows Server 2008 R2"}},
			Results: []detect.Result{
				{Kind: detect.KindPatch, BulletinID: "MS17-010", KB: "KB4012212", Title: "SMB", Severity: "Critical", ProductID: 10,
					Status: detect.StatusMissing, Released: "2017-03-14", CVEs: []string{"CVE-2017-0144"}},
				{Kind: detect.KindServicePack, KB: "Service Pack 1", ProductID: 10, Status: detect.StatusMissing},
				{Kind: detect.KindPatch, BulletinID: "MS08-067", KB: "KB958644", Status: detect.StatusNotApplicable},
			},
			Vulnerabilities: []detect.Vulnerability{{CVE: "CVE-2017-0144", Severity: "Critical", Exploited: true, FixedBy: []string{"KB4012212"}}},
		}}
}

func TestFromHostResult(t *testing.T) {
	at := time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)
	rec := FromHostResult(report.Meta{Generated: at}, scanResult(at))
	if rec.Name != "WS01" || rec.Status != "scanned" || rec.OS.Product != "Windows Server 2008 R2 Standard" || len(rec.Results) != 3 {
		t.Fatalf("record %+v", rec)
	}
	ms := rec.Results[0]
	if ms.Product != "Windows Server 2008 R2" || !ms.Due.Equal(day("2017-03-15")) || !ms.Overdue || ms.Released != "2017-03-14" {
		t.Errorf("MS17-010 recorded as %+v", ms)
	}
	if sp := rec.Results[1]; sp.Kind != "service-pack" || !sp.Due.IsZero() || sp.Overdue {
		t.Errorf("a service pack without a release date: %+v", sp)
	}
	want := []CVERecord{{CVE: "CVE-2017-0144", Severity: "Critical", Exploited: true, FixedBy: []string{"KB4012212"}}}
	if !reflect.DeepEqual(rec.CVEs, want) {
		t.Errorf("CVEs %+v", rec.CVEs)
	}

	down := scan.HostResult{Target: "ws02", Status: transport.Unreachable, Error: errors.New("no answer on port 445")}
	if r := FromHostResult(report.Meta{}, down); r.Status != "unreachable" || r.Error != "no answer on port 445" || r.Results != nil {
		t.Errorf("unreachable host recorded as %+v", r)
	}
}

// TestSinkRecordsTheStream: the store sink, fed like the report writers,
// records every host, with the summary a report file would give.
func TestSinkRecordsTheStream(t *testing.T) {
	s, _ := openSQLiteTest(t)
	rec, err := s.StartRun(context.Background(), RunInfo{Started: t0})
	if err != nil {
		t.Fatal(err)
	}
	meta := report.Meta{Generated: t0}
	var sink report.Sink = NewSink(rec, meta)
	h := scanResult(t0)
	if err := sink.Write(h); err != nil {
		t.Fatal(err)
	}
	if err := sink.Close(); err != nil {
		t.Fatal(err)
	}
	rs := runs(t, s, RunFilter{})
	sum := report.Summarize(meta, h)
	if rs[0].Hosts != 1 || rs[0].Missing != sum.Counts.Missing || rs[0].Overdue != sum.Overdue || rs[0].Status != RunComplete {
		t.Errorf("run %+v; the report says %d missing, %d overdue", rs[0], sum.Counts.Missing, sum.Overdue)
	}
}

func TestImportSummaries(t *testing.T) {
	s, _ := openSQLiteTest(t)
	at := time.Date(2026, 11, 1, 3, 0, 0, 0, time.UTC)
	meta1, meta2 := report.Meta{Generated: at}, report.Meta{Generated: at.Add(7 * 24 * time.Hour)}
	h := scanResult(at)
	sums := []report.HostSummary{report.Summarize(meta1, h), report.Summarize(meta2, h)}
	sums[1].Missing, sums[1].Due, sums[1].Counts.Missing, sums[1].Overdue = nil, nil, 0, 0
	n, err := s.ImportSummaries(context.Background(), sums, "SecurityScans")
	if err != nil || n != 2 {
		t.Fatalf("imported %d runs: %v", n, err)
	}
	rs := runs(t, s, RunFilter{})
	if len(rs) != 2 || rs[0].Source != "import" || rs[1].Missing != 2 || rs[1].Overdue != 1 || rs[0].Missing != 0 {
		t.Fatalf("runs %+v", rs)
	}
	changes, err := s.Diff(context.Background(), rs[1], rs[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 2 || changes[0].Kind != ChangeFixed || changes[0].After != Absent {
		t.Errorf("changes %+v", changes)
	}
}

func TestTimeline(t *testing.T) {
	s, _ := openSQLiteTest(t)
	week := 7 * 24 * time.Hour
	record(t, s, RunInfo{Started: t0}, host("WS01", "127.0.0.21", t0, "MS17-010/KB4012212=missing"), host("ws02", "127.0.0.22", t0))
	record(t, s, RunInfo{Started: t0.Add(week)}, host("WS01", "127.0.0.21", t0.Add(week), "MS17-010/KB4012212=installed"))
	record(t, s, RunInfo{Label: "weekly-3", Started: t0.Add(2 * week)}, unreachable("WS01", "127.0.0.21", t0.Add(2*week)))
	for _, name := range []string{"ws01", "WS01", "127.0.0.21"} {
		tl, err := s.Timeline(context.Background(), name, 0)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(tl) != 3 || tl[0].Run != "weekly-3" || tl[0].Status != "unreachable" || tl[2].Run != "1" {
			t.Fatalf("%s: timeline %+v", name, tl)
		}
		if len(tl[1].Changes) != 1 || tl[1].Changes[0].Kind != ChangeFixed || len(tl[0].Changes) != 1 || tl[0].Changes[0].Kind != ChangeHostStatus || tl[2].Changes != nil {
			t.Errorf("%s: changes %+v / %+v / %+v", name, tl[0].Changes, tl[1].Changes, tl[2].Changes)
		}
		var b bytes.Buffer
		if err := WriteTimelineTable(&b, name, tl); err != nil || !strings.Contains(b.String(), "KB4012212 fixed") || !strings.Contains(b.String(), "scanned -> unreachable") {
			t.Errorf("timeline table (%v):\n%s", err, b.String())
		}
	}
	if _, err := s.Timeline(context.Background(), "nobody", 0); err == nil || !strings.Contains(err.Error(), `no host "nobody"`) {
		t.Errorf("unknown host: %v", err)
	}
	// Two hosts behind one address: the error lists them.
	record(t, s, RunInfo{Started: t0.Add(3 * week)}, host("ws03", "127.0.0.21", t0.Add(3*week)))
	if _, err := s.Timeline(context.Background(), "127.0.0.21", 0); err == nil || !strings.Contains(err.Error(), "names 2 hosts") || !strings.Contains(err.Error(), "ws03") {
		t.Errorf("ambiguous address: %v", err)
	}
}

// TestDiffJSONFields: every line has kind, host, address, bulletin, kb,
// before and after, and a newly missing result its due date.
func TestDiffJSONFields(t *testing.T) {
	from, to := Run{Ref: "1"}, Run{Ref: "weekly-2"}
	changes := []Change{
		{Kind: ChangeMissing, Host: "ws01", Address: "127.0.0.21", Bulletin: "MS17-010", KB: "KB4012212", Before: "installed", After: "missing", Due: day("2017-03-15"), Overdue: true},
		{Kind: ChangeAppeared, Host: "<script>", Before: Absent, After: "scanned"},
	}
	var b bytes.Buffer
	if err := WriteDiffJSON(&b, from, to, changes); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines", len(lines))
	}
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"kind", "host", "address", "bulletin", "kb", "before", "after", "from", "to"} {
			if _, ok := m[k]; !ok {
				t.Errorf("%s lacks %q", l, k)
			}
		}
	}
	if !strings.Contains(lines[0], `"due":"2017-03-15","overdue":true`) || !strings.Contains(lines[1], `"host":"<script>"`) {
		t.Errorf("lines:\n%s", b.String())
	}
	b.Reset()
	if err := WriteDiffTable(&b, from, to, changes); err != nil || !strings.Contains(b.String(), "Run weekly-2") || !strings.Contains(b.String(), "2017-03-15 OVERDUE") {
		t.Errorf("table (%v):\n%s", err, b.String())
	}
}

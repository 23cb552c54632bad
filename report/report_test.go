package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/internal/textsafe"
	"github.com/patchscan/patchscan/scan"
	"github.com/patchscan/patchscan/scan/transport"
)

func mustShow(t *testing.T, s string) Show {
	t.Helper()
	show, err := ParseShow(s)
	if err != nil {
		t.Fatal(err)
	}
	return show
}

// feed writes hosts to a sink and closes it.
func feed(t *testing.T, s Sink, hosts []scan.HostResult) {
	t.Helper()
	for _, h := range hosts {
		if err := s.Write(h); err != nil {
			t.Fatalf("Write(%s): %v", h.Name, err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func TestGoldenFormats(t *testing.T) {
	tests := []struct {
		golden string
		xsd    string // "" = not XML
		sink   func(w io.Writer) Sink
	}{
		{"stream.xml", reportXSD, func(w io.Writer) Sink { return NewXMLStream(w, testMeta) }},
		{"stream.jsonl", "", func(w io.Writer) Sink { return NewJSONLines(w, testMeta) }},
		{"text.txt", "", func(w io.Writer) Sink { return NewText(w, mustShow(t, DefaultShow)) }},
		{"text-all.txt", "", func(w io.Writer) Sink { return NewText(w, mustShow(t, "all")) }},
		{"table.txt", "", func(w io.Writer) Sink { return NewTable(w, mustShow(t, DefaultShow), testMeta) }},
		{"table-installed.txt", "", func(w io.Writer) Sink { return NewTable(w, mustShow(t, "installed,superseded"), testMeta) }},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			var buf bytes.Buffer
			// Hosts finish in another order than the input's: the
			// streams follow completion, text and table the input.
			feed(t, tt.sink(&buf), completionOrder(fixtureHosts()))
			golden(t, tt.golden, buf.Bytes())
			if tt.xsd != "" {
				wellFormed(t, buf.Bytes())
				validate(t, tt.xsd, buf.Bytes())
			}
		})
	}
}

func TestGoldenHostAndRollup(t *testing.T) {
	hosts := fixtureHosts()
	var host bytes.Buffer
	if err := WriteHostXML(&host, testMeta, hosts[0]); err != nil {
		t.Fatal(err)
	}
	golden(t, "host.xml", host.Bytes())
	wellFormed(t, host.Bytes())
	validate(t, reportXSD, host.Bytes())

	r := NewRollup(testMeta.CatalogVersion, testMeta.Generated)
	for _, h := range hosts {
		r.Add(Summarize(testMeta, h))
	}
	var roll bytes.Buffer
	if err := r.WriteXML(&roll); err != nil {
		t.Fatal(err)
	}
	golden(t, "rollup.xml", roll.Bytes())
	wellFormed(t, roll.Bytes())
	validate(t, rollupXSD, roll.Bytes())
	for _, want := range []string{
		`<Summary hosts="8" scanned="4" failed="4" compliant="1" missing="3" warning="1" vulnerable="1" exploited="1"/>`,
		`<Host name="SRV25" address="127.0.0.28" domain="LAB" status="scanned" missing="1" warning="0" note="1" error="0" vulnerabilities="2" exploited="1" compliant="false"`,
		`<Bulletin id="MS17-010" kb="KB4012212" severity="Critical" missing="2">`,
		`<Bulletin kind="service-pack" kb="Service Pack 1" product="Windows 7" missing="1">`,
	} {
		if !strings.Contains(roll.String(), want) {
			t.Errorf("rollup lacks %s", want)
		}
	}
}

// Every host status and every result status must appear in the outputs the
// tests produce (the issue asks for it, and it keeps the fixtures honest).
func TestEveryStatusCovered(t *testing.T) {
	var buf bytes.Buffer
	feed(t, NewXMLStream(&buf, testMeta), fixtureHosts())
	doc := buf.String()
	for _, hs := range []transport.Outcome{transport.Scanned, transport.Unreachable, transport.AuthFailed, transport.AccessDenied, transport.Failed} {
		if !strings.Contains(doc, `status="`+string(hs)+`"`) || !strings.Contains(doc, "<Host ") {
			t.Errorf("no Host with status %s", hs)
		}
	}
	for _, st := range detect.Statuses {
		if !strings.Contains(doc, `<Result `) || !strings.Contains(doc, `status="`+string(st)+`"`) {
			t.Errorf("no Result with status %s", st)
		}
	}
	for _, cr := range []detect.CheckResult{detect.CheckPass, detect.CheckFail, detect.CheckNewer, detect.CheckUnreadable} {
		if !strings.Contains(doc, `result="`+string(cr)+`"`) {
			t.Errorf("no Check with result %s", cr)
		}
	}
}

func TestHostileStrings(t *testing.T) {
	h := hostile()
	hosts := []scan.HostResult{h, fixtureHosts()[0]}
	t.Run("xml", func(t *testing.T) {
		var buf bytes.Buffer
		feed(t, NewXMLStream(&buf, Meta{ToolVersion: "\x00<v>", CatalogVersion: "]]>\xff", Generated: t0}), hosts)
		wellFormed(t, buf.Bytes())
		validate(t, reportXSD, buf.Bytes())
		if buf.Len() > 200_000 {
			t.Errorf("hostile host made %d bytes of XML; long values must be cut at %d", buf.Len(), MaxValueLen)
		}
		if strings.Contains(buf.String(), "]]>") || strings.Contains(buf.String(), "<x>") {
			t.Error("raw ]]> or markup from the host reached the XML")
		}
		got, err := ReadHostXML(&buf, "stream")
		if err != nil || len(got) != 2 {
			t.Fatalf("reading back: %d hosts, %v", len(got), err)
		}
		if !strings.Contains(got[0].Name, "../../etc/passwd\ufffd") || !strings.Contains(got[0].Domain, "<x>&amp;]]>") {
			t.Errorf("hostile values not preserved as text: name %q domain %q", got[0].Name, got[0].Domain)
		}
	})
	t.Run("jsonl", func(t *testing.T) {
		var buf bytes.Buffer
		feed(t, NewJSONLines(&buf, testMeta), hosts)
		sc := bufio.NewScanner(&buf)
		sc.Buffer(nil, 1<<20)
		n := 0
		for sc.Scan() {
			n++
			var obj map[string]any
			if err := json.Unmarshal(sc.Bytes(), &obj); err != nil {
				t.Fatalf("line %d is not JSON: %v", n, err)
			}
			if !utf8.Valid(sc.Bytes()) {
				t.Errorf("line %d is not UTF-8", n)
			}
		}
		if n != 2 {
			t.Errorf("got %d JSON lines, want 2", n)
		}
	})
	for _, tt := range []struct {
		name string
		sink func(io.Writer) Sink
	}{
		{"text", func(w io.Writer) Sink { return NewText(w, mustShow(t, "all")) }},
		{"table", func(w io.Writer) Sink { return NewTable(w, mustShow(t, "all"), testMeta) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			feed(t, tt.sink(&buf), hosts)
			if !utf8.Valid(buf.Bytes()) {
				t.Error("output is not UTF-8")
			}
			for i, r := range buf.String() {
				if r != '\n' && r != '\t' && (unicode.IsControl(r) || textsafe.Unsafe(r)) {
					t.Fatalf("control character %U at byte %d reached the terminal output", r, i)
				}
			}
		})
	}
	t.Run("files", func(t *testing.T) {
		dir := t.TempDir()
		s, err := NewDir(dir, testMeta)
		if err != nil {
			t.Fatal(err)
		}
		feed(t, s, hosts)
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 3 {
			t.Fatalf("want 2 host files and the rollup, got %v", entries)
		}
		for _, e := range entries {
			doc, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			wellFormed(t, doc)
			xsd := reportXSD
			if e.Name() == RollupFile {
				xsd = rollupXSD
			}
			validate(t, xsd, doc)
		}
	})
}

func TestSummarizeRoundTrip(t *testing.T) {
	for _, h := range append(fixtureHosts(), hostile()) {
		var buf bytes.Buffer
		if err := WriteHostXML(&buf, testMeta, h); err != nil {
			t.Fatal(err)
		}
		got, err := ReadHostXML(&buf, "host.xml")
		if err != nil {
			t.Fatalf("%s: %v", h.Name, err)
		}
		want := Summarize(testMeta, h)
		if len(got) != 1 || !reflect.DeepEqual(got[0], want) {
			t.Errorf("%q: read back\n%+v\nwant\n%+v", h.Name, got, want)
		}
	}
}

func TestInterruptedStream(t *testing.T) {
	hosts := fixtureHosts()
	for _, n := range []int{0, 1, 3} {
		var buf bytes.Buffer
		s := NewXMLStream(&buf, testMeta)
		for _, h := range hosts[:n] {
			if err := s.Write(h); err != nil {
				t.Fatal(err)
			}
		}
		// Before Close the document is open but every host is complete.
		if n > 0 && strings.Count(buf.String(), "</Host>")+strings.Count(buf.String(), "/>\n") == 0 {
			t.Errorf("%d hosts written but nothing flushed", n)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
		if err := s.Write(hosts[0]); !errors.Is(err, ErrClosed) {
			t.Errorf("Write after Close: %v, want ErrClosed", err)
		}
		wellFormed(t, buf.Bytes())
		validate(t, reportXSD, buf.Bytes())
		got, err := ReadHostXML(&buf, "stream")
		if err != nil || len(got) != n {
			t.Errorf("after %d hosts: read %d back, %v", n, len(got), err)
		}
	}
}

// A Close from a signal handler racing the run's Writes must leave a
// well-formed document (run with -race).
func TestCloseRacesWrite(t *testing.T) {
	var mu sync.Mutex
	var buf bytes.Buffer
	w := writerFunc(func(p []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return buf.Write(p) })
	s := NewXMLStream(w, testMeta)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for _, h := range fixtureHosts() {
			if err := s.Write(h); err != nil && !errors.Is(err, ErrClosed) {
				t.Error(err)
			}
		}
	}()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	wellFormed(t, buf.Bytes())
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestWriteErrors(t *testing.T) {
	broken := writerFunc(func([]byte) (int, error) { return 0, errors.New("broken pipe") })
	for name, s := range map[string]Sink{
		"xml":   NewXMLStream(broken, testMeta),
		"jsonl": NewJSONLines(broken, testMeta),
		"text":  NewText(broken, mustShow(t, "all")),
	} {
		if err := s.Write(fixtureHosts()[0]); err == nil || !strings.Contains(err.Error(), "broken pipe") {
			t.Errorf("%s: Write to a broken writer: %v", name, err)
		}
		if err := s.Close(); err == nil {
			t.Errorf("%s: Close after a failed write must report it", name)
		}
	}
	tbl := NewTable(broken, mustShow(t, "all"), testMeta)
	if err := tbl.Write(fixtureHosts()[0]); err != nil {
		t.Fatal(err)
	}
	if err := tbl.Close(); err == nil {
		t.Error("table: Close to a broken writer must fail")
	}
	m := Multi(NewXMLStream(broken, testMeta), NewTable(io.Discard, mustShow(t, "all"), testMeta))
	if err := m.Write(fixtureHosts()[0]); err == nil {
		t.Error("Multi must report a failing sink")
	}
	if err := m.Close(); err == nil {
		t.Error("Multi Close must report a failing sink")
	}
}

func TestParseShow(t *testing.T) {
	tests := []struct {
		in      string
		want    []detect.Status
		wantErr string
	}{
		{"missing,warning,note", []detect.Status{detect.StatusMissing, detect.StatusWarning, detect.StatusNote}, ""},
		{" Missing , installed,", []detect.Status{detect.StatusMissing, detect.StatusInstalled}, ""},
		{"all", detect.Statuses, ""},
		{"not-applicable,superseded,error", []detect.Status{detect.StatusNotApplicable, detect.StatusSuperseded, detect.StatusError}, ""},
		{"missing,bogus", nil, `unknown status "bogus"`},
		{"", nil, "--show is empty"},
	}
	for _, tt := range tests {
		got, err := ParseShow(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseShow(%q) error %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseShow(%q): %v", tt.in, err)
			continue
		}
		if len(got) != len(tt.want) {
			t.Errorf("ParseShow(%q) = %v, want %v", tt.in, got, tt.want)
		}
		for _, st := range tt.want {
			if !got[st] {
				t.Errorf("ParseShow(%q) lacks %s", tt.in, st)
			}
		}
	}
}

func TestFileBase(t *testing.T) {
	tests := []struct {
		name, address, target, want string
	}{
		{"WS01", "127.0.0.1", "", "WS01"},
		{"", "127.0.0.1", "", "127.0.0.1"},
		{"", "::1", "", "__1"},
		{"", "", "", "host"},
		{"..", "127.0.0.2", "", "127.0.0.2"},
		{"../../etc/passwd", "", "", "_._etc_passwd"},
		{`..\..\Windows\win.ini`, "", "", `_._Windows_win.ini`},
		{"a/b\\c:d*e?f\"g<h>i|j", "", "", "a_b_c_d_e_f_g_h_i_j"},
		{"x\x00y\x1b[31mz\n", "", "", "x_y_[31mz_"},
		{"bad\xffutf8", "", "", "bad_utf8"},
		{"CON", "", "", "_CON"},
		{"con.lab.test", "", "", "_con.lab.test"},
		{"LPT1", "", "", "_LPT1"},
		{"COM¹", "", "", "_COM¹"},
		{"COM10", "", "", "COM10"},
		{"CONSOLE", "", "", "CONSOLE"},
		{" .host. ", "", "", "host"},
		{".hidden", "", "", "hidden"},
		{"evil\u202egpj.exe", "", "", "evil_gpj.exe"},
		{"...", "", "tgt", "tgt"},
		{strings.Repeat("é", 300), "", "", strings.Repeat("é", maxBaseLen/2)},
	}
	for _, tt := range tests {
		got := FileBase(scan.HostResult{Name: tt.name, Address: tt.address, Target: tt.target})
		if got != tt.want {
			t.Errorf("FileBase(%q, %q, %q) = %q, want %q", tt.name, tt.address, tt.target, got, tt.want)
		}
		if len(got) > maxBaseLen+1 || strings.ContainsAny(got, `/\:`) || strings.Contains(got, "..") || got == "" {
			t.Errorf("FileBase(%q) = %q is unsafe", tt.name, got)
		}
	}
}

func TestNamerCollisions(t *testing.T) {
	n := newNamer(RollupFile)
	got := []string{
		n.name("WS01", ".xml"), n.name("ws01", ".xml"), n.name("WS01", ".xml"),
		n.name("rollup", ".xml"), n.name("WS01_2", ".xml"),
	}
	want := []string{"WS01.xml", "ws01_2.xml", "WS01_3.xml", "rollup_2.xml", "WS01_2_2.xml"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("names %v, want %v", got, want)
	}
}

func TestDirSink(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "SecurityScans")
	hosts := fixtureHosts()
	// Two hosts with one name in one run, and one named like the rollup.
	dup := hosts[2]
	dup.Address = "127.0.0.33"
	roll := hosts[3]
	roll.Name = "ROLLUP"
	hosts = append(hosts, dup, roll)
	s, err := NewDir(dir, testMeta)
	if err != nil {
		t.Fatal(err)
	}
	feed(t, s, hosts)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		if info, err := e.Info(); err != nil || info.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, %v; want 0600", e.Name(), info.Mode(), err)
		}
	}
	want := []string{"127.0.0.24.xml", "PC02.xml", "ROLLUP_2.xml", "SRV03.xml", "SRV03_2.xml", "SRV25.xml", "WS01.xml", "WS05.xml", "WS06.xml", "WS07.xml", "rollup.xml"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("files %v, want %v", names, want)
	}
	// Every file validates, and reading the host files back rebuilds the
	// rollup the run wrote, byte for byte.
	var sums []HostSummary
	for _, name := range names {
		doc, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if name == RollupFile {
			validate(t, rollupXSD, doc)
			continue
		}
		validate(t, reportXSD, doc)
		got, err := ReadHostFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		sums = append(sums, got...)
	}
	if _, err := ReadHostFile(filepath.Join(dir, RollupFile)); !errors.Is(err, ErrNotHostReport) {
		t.Errorf("reading rollup.xml as a host report: %v, want ErrNotHostReport", err)
	}
	r := NewRollup(testMeta.CatalogVersion, testMeta.Generated)
	for _, s := range sums {
		r.Add(s)
	}
	var rebuilt bytes.Buffer
	if err := r.WriteXML(&rebuilt); err != nil {
		t.Fatal(err)
	}
	written, _ := os.ReadFile(filepath.Join(dir, RollupFile))
	if !bytes.Equal(rebuilt.Bytes(), written) {
		t.Errorf("rollup rebuilt from host files differs from the one written:\n%s\nvs\n%s", rebuilt.Bytes(), written)
	}
}

func TestNewDirError(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := NewDir(filepath.Join(file, "sub"), testMeta)
	if err == nil || !strings.Contains(err.Error(), "--no-files") {
		t.Errorf("NewDir under a file: %v, want an error suggesting --out/--no-files", err)
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.xml")
	if err := WriteFileAtomic(path, func(w io.Writer) error { _, err := io.WriteString(w, "old"); return err }); err != nil {
		t.Fatal(err)
	}
	err := WriteFileAtomic(path, func(w io.Writer) error {
		_, _ = io.WriteString(w, "half of the new")
		return errors.New("interrupted")
	})
	if err == nil || !strings.Contains(err.Error(), "a.xml") {
		t.Errorf("failed write: %v, want an error naming the file", err)
	}
	got, _ := os.ReadFile(path)
	if string(got) != "old" {
		t.Errorf("after a failed write the file holds %q, want the old content", got)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temp files left behind: %v", entries)
	}
	if err := WriteFileAtomic(filepath.Join(dir, "missing", "b.xml"), func(io.Writer) error { return nil }); err == nil {
		t.Error("writing into a missing directory must fail")
	}
}

// Two output directories from two runs: the rollup keeps the newest report
// of each host.
func TestRollupMergeNewestWins(t *testing.T) {
	hosts := fixtureHosts()
	older, newer := t.TempDir(), t.TempDir()
	run1 := Meta{ToolVersion: "1", CatalogVersion: "2026.10.1", Generated: t0.Add(-24 * time.Hour)}
	run2 := Meta{ToolVersion: "1", CatalogVersion: "2026.11.1", Generated: t0}
	s1, err := NewDir(older, run1)
	if err != nil {
		t.Fatal(err)
	}
	// Run 1 (yesterday): WS01 missing MS17-010, PC02 unreachable.
	// WS01 moved from .21 to .121 between the runs: its reports say its
	// own name, which identifies it (not the address it had).
	ws01 := hosts[0]
	ws01.Started, ws01.Finished = ws01.Started.Add(-24*time.Hour), ws01.Finished.Add(-24*time.Hour)
	rep := *ws01.Report
	rep.OS.ComputerName = "WS01"
	ws01.Report = &rep
	pc02old := scan.HostResult{Name: "PC02", Address: "127.0.0.22", Status: transport.Unreachable, Error: errors.New("timeout"), Finished: t0.Add(-23 * time.Hour)}
	feed(t, s1, []scan.HostResult{ws01, pc02old})
	// Run 2 (today, another site): PC02 scanned now, WS01 compliant
	// (reported with no finished time: generated decides), SRV03 new.
	ws01new := scan.HostResult{Name: "ws01", Address: "127.0.0.121", Status: transport.Scanned,
		Report: &detect.Report{OS: detect.OS{ComputerName: "ws01"}, Results: []detect.Result{{BulletinID: "MS17-010", KB: "KB4012212", Status: detect.StatusInstalled}}}}
	s2, err := NewDir(newer, run2)
	if err != nil {
		t.Fatal(err)
	}
	feed(t, s2, []scan.HostResult{hosts[1], ws01new, hosts[2]})

	var all []HostSummary
	for _, dir := range []string{newer, older} { // order must not matter
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			got, err := ReadHostFile(filepath.Join(dir, e.Name()))
			if errors.Is(err, ErrNotHostReport) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, got...)
		}
	}
	merged := Merge(all)
	sort.Slice(merged, func(i, j int) bool { return merged[i].Key() < merged[j].Key() })
	type got struct {
		name, status string
		missing      int
		catalog      string
	}
	var gotHosts []got
	for _, m := range merged {
		gotHosts = append(gotHosts, got{m.Name, string(m.Status), m.Counts.Missing, m.CatalogVersion})
	}
	want := []got{{"PC02", "scanned", 2, "2026.11.1"}, {"SRV03", "scanned", 0, "2026.11.1"}, {"ws01", "scanned", 0, "2026.11.1"}}
	if !reflect.DeepEqual(gotHosts, want) {
		t.Errorf("merged %+v\nwant %+v", gotHosts, want)
	}
}

func TestMergeTieLaterWins(t *testing.T) {
	a := HostSummary{Name: "H", Status: transport.Unreachable, Finished: t0}
	b := HostSummary{Name: "h", Status: transport.Scanned, Finished: t0}
	c := HostSummary{Address: "127.0.0.5", Status: transport.Scanned, Generated: t0}
	got := Merge([]HostSummary{a, c, b})
	if len(got) != 2 || got[0].Status != transport.Scanned || got[0].Name != "h" || got[1].Address != "127.0.0.5" {
		t.Errorf("Merge = %+v", got)
	}
}

func TestReadHostXMLErrors(t *testing.T) {
	var good bytes.Buffer
	if err := WriteHostXML(&good, testMeta, fixtureHosts()[0]); err != nil {
		t.Fatal(err)
	}
	doc := good.String()
	const head = `<ScanReport xmlns="urn:patchscan:report:2" tool="patchscan" generated="2026-11-22T10:00:00Z">`
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "no XML element found"},
		{"not xml", "hello", "no XML element found"},
		{"truncated", doc[:len(doc)/2], "x.xml:"},
		{"other root", `<html/>`, "not a patchscan ScanReport"},
		{"future version", `<ScanReport xmlns="urn:patchscan:report:3" generated="2026-11-22T10:00:00Z"/>`, `this patchscan reads "urn:patchscan:report:2" and "urn:patchscan:report:1"`},
		{"no generated", `<ScanReport xmlns="urn:patchscan:report:2"/>`, "attribute generated is missing"},
		{"bad generated", `<ScanReport xmlns="urn:patchscan:report:1" generated="yesterday"/>`, `generated="yesterday" is not an RFC 3339 time`},
		{"bad exploited", head + `<Host name="a" status="scanned"><Vulnerability cve="CVE-1" exploited="maybe"/></Host></ScanReport>`, `Vulnerability "CVE-1" needs`},
		{"vulnerability without cve", head + `<Host name="a" status="scanned"><Vulnerability exploited="true"/></Host></ScanReport>`, `Vulnerability "" needs`},
		{"bad host status", head + `<Host name="a" status="pwned"/></ScanReport>`, `has status "pwned"`},
		{"host without name", head + `<Host status="scanned"/></ScanReport>`, "Host without a name"},
		{"bad finished", head + `<Host name="a" status="scanned" finished="x"/></ScanReport>`, "finished"},
		{"bad result status", head + `<Host name="a" status="scanned"><Result kb="KB1" status="fine"/></Host></ScanReport>`, `has status "fine"`},
		{"bad product id", head + `<Host name="a" status="scanned"><Products><Product id="x" name="y"/></Products></Host></ScanReport>`, "Product id"},
		{"trailing element", head + `</ScanReport><ScanReport/>`, "after the end of the document"},
		{"trailing text", head + `</ScanReport>junk`, "text after the end"},
		{"undefined entity", head + `<Host name="&xxe;" status="scanned"/></ScanReport>`, "malformed XML"},
		{"bad utf-8", head + "<Host name=\"\xff\" status=\"scanned\"/></ScanReport>", "malformed XML"},
		{"latin1 charset", `<?xml version="1.0" encoding="ISO-8859-1"?>` + head + `</ScanReport>`, "x.xml"},
		{"mismatched tags", head + `<Host name="a" status="scanned"></Result></ScanReport>`, "malformed XML"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadHostXML(strings.NewReader(tt.in), "x.xml")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
	t.Run("rollup is skipped", func(t *testing.T) {
		_, err := ReadHostXML(strings.NewReader(`<Rollup xmlns="urn:patchscan:rollup:1"/>`), "rollup.xml")
		if !errors.Is(err, ErrNotHostReport) {
			t.Errorf("error %v, want ErrNotHostReport", err)
		}
	})
	t.Run("unknown content is ignored", func(t *testing.T) {
		in := head + `<Extra a="1"><Deep/></Extra><Host name="a" status="scanned" future="x"><Future/><Result kb="KB1" status="missing" bulletin="MS1"><Reason>r</Reason><New/></Result></Host></ScanReport>`
		got, err := ReadHostXML(strings.NewReader(in), "x.xml")
		if err != nil || len(got) != 1 || got[0].Counts.Missing != 1 || got[0].Missing[0].Bulletin != "MS1" {
			t.Errorf("got %+v, %v", got, err)
		}
	})
	t.Run("size limit", func(t *testing.T) {
		defer func(n int64) { maxReportSize = n }(maxReportSize)
		maxReportSize = int64(len(doc) - 1)
		if _, err := ReadHostXML(strings.NewReader(doc), "big.xml"); err == nil || !strings.Contains(err.Error(), "big.xml: more than") {
			t.Errorf("oversized input: %v", err)
		}
		path := filepath.Join(t.TempDir(), "big.xml")
		if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadHostFile(path); err == nil || !strings.Contains(err.Error(), "big.xml") {
			t.Errorf("oversized file: %v", err)
		}
		maxReportSize = int64(len(doc))
		if _, err := ReadHostXML(strings.NewReader(doc), "exact.xml"); err != nil {
			t.Errorf("input at the limit: %v", err)
		}
	})
}

// TestReadVersion1: reports written before version 2 still merge; they
// say nothing about CVEs, so the rollup leaves those counts out for them.
func TestReadVersion1(t *testing.T) {
	const v1 = `<ScanReport xmlns="urn:patchscan:report:1" tool="patchscan" catalogVersion="2026.11.1" generated="2026-11-22T10:00:00Z">
  <Host name="OLD" status="scanned"><Products><Product id="1" name="W"/></Products><Result kb="KB1" status="missing"/></Host>
</ScanReport>`
	got, err := ReadHostXML(strings.NewReader(v1), "old.xml")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].CVEsKnown || got[0].Counts.Missing != 1 || got[0].CatalogVersion != "2026.11.1" {
		t.Fatalf("read %+v", got)
	}
	r := NewRollup("", t0)
	r.Add(got[0])
	r.Add(Summarize(testMeta, modernHost()))
	var roll bytes.Buffer
	if err := r.WriteXML(&roll); err != nil {
		t.Fatal(err)
	}
	validate(t, rollupXSD, roll.Bytes())
	for _, want := range []string{
		`<Host name="OLD" status="scanned" missing="1" warning="0" note="0" error="0" compliant="false" catalogVersion="2026.11.1"/>`,
		`vulnerabilities="2" exploited="1"`,
		`<Summary hosts="2" scanned="2" failed="0" compliant="0" missing="2" warning="0" vulnerable="1" exploited="1"/>`,
	} {
		if !strings.Contains(roll.String(), want) {
			t.Errorf("rollup lacks %s:\n%s", want, roll.String())
		}
	}
	if strings.Contains(roll.String(), `<Rollup xmlns="urn:patchscan:rollup:1" generated="2026-11-22T10:00:00Z" catalogDate`) {
		t.Error("a catalog date is claimed for hosts scanned with different catalogs")
	}
}

// TestRollupIdentity: a host scanned once by address and once by name
// counts once (issue 13.16): by the name it gives itself when its reports
// say it, else by the address it was reached at.
func TestRollupIdentity(t *testing.T) {
	scanned := func(target, name, addr, computer string, finished time.Time) scan.HostResult {
		return scan.HostResult{Target: target, Name: name, Address: addr, Status: transport.Scanned, Finished: finished,
			Report: &detect.Report{OS: detect.OS{ComputerName: computer}}}
	}
	tests := []struct {
		name  string
		hosts []scan.HostResult
		want  int
	}{
		{"by address, then by name, same computer name", []scan.HostResult{
			scanned("127.0.0.21", "", "127.0.0.21", "WS01", t0),
			scanned("ws01.lab.test", "ws01.lab.test", "127.0.0.21", "ws01", t0.Add(time.Hour)),
		}, 1},
		{"same computer, moved address", []scan.HostResult{
			scanned("127.0.0.21", "", "127.0.0.21", "WS01", t0),
			scanned("127.0.0.99", "", "127.0.0.99", "WS01", t0.Add(time.Hour)),
		}, 1},
		{"no computer name: the address decides", []scan.HostResult{
			scanned("127.0.0.21", "", "127.0.0.21", "", t0),
			scanned("ws01", "ws01", "127.0.0.21", "", t0.Add(time.Hour)),
		}, 1},
		{"a new computer at an old address", []scan.HostResult{
			scanned("127.0.0.21", "", "127.0.0.21", "WS01", t0),
			scanned("127.0.0.21", "", "127.0.0.21", "WS09", t0.Add(time.Hour)),
		}, 2},
		{"two computers behind one name over time", []scan.HostResult{
			scanned("ws01", "ws01", "127.0.0.21", "WS01", t0),
			scanned("ws01", "ws01", "127.0.0.22", "WS02", t0.Add(time.Hour)),
		}, 2},
		{"unreachable by name, scanned by address", []scan.HostResult{
			{Target: "ws01", Name: "ws01", Address: "127.0.0.21", Status: transport.Unreachable, Error: errors.New("down"), Finished: t0},
			scanned("127.0.0.21", "", "127.0.0.21", "WS01", t0.Add(time.Hour)),
		}, 1}, // the unreachable report names no computer: it is the host at its address
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var sums []HostSummary
			for _, h := range tc.hosts {
				var b strings.Builder
				if err := WriteHostXML(&b, Meta{Generated: t0}, h); err != nil {
					t.Fatal(err)
				}
				got, err := ReadHostXML(strings.NewReader(b.String()), "h.xml")
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got[0], Summarize(Meta{Generated: t0}, h)) {
					t.Errorf("summary read back %+v, made %+v", got[0], Summarize(Meta{Generated: t0}, h))
				}
				sums = append(sums, got...)
			}
			if got := len(Merge(sums)); got != tc.want {
				t.Errorf("%d hosts after merging, want %d", got, tc.want)
			}
		})
	}
}

// TestConfigOnlyTableAndText: a configuration-only run's table counts
// configuration results per host, and neither format shows patch columns
// or lines that would count nothing.
func TestConfigOnlyTableAndText(t *testing.T) {
	h := fixtureHosts()[0]
	var tb, tx bytes.Buffer
	for _, s := range []Sink{ConfigOnly(NewTable(&tb, mustShow(t, DefaultShow), testMeta)), ConfigOnly(NewText(&tx, mustShow(t, DefaultShow)))} {
		if err := s.Write(h); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	table, text := tb.String(), tx.String()
	for _, want := range []string{"| FAILED | WARNINGS | ERRORS |", "| 1      | 1        | 1      | scanned |", "| smb-signing  | Important | fail"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	for _, unwanted := range []string{"CRITICAL", "MS17-010"} {
		if strings.Contains(table, unwanted) || strings.Contains(text, unwanted) {
			t.Errorf("patch output %q in a configuration-only run:\n%s\n%s", unwanted, table, text)
		}
	}
	if !strings.Contains(text, "Check failed         smb-signing") {
		t.Errorf("text:\n%s", text)
	}
}

package main

// End-to-end checks of the report outputs (issue 5): the real patchscan
// binary, run as a subprocess against the Samba lab, with its stdout a real
// pipe or a real terminal, checked by the real xmllint against the shipped
// XSDs. One lab serves every subtest; the whole test takes a few seconds
// once the binary is built.

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/patchscan/patchscan/internal/lab"
	"github.com/patchscan/patchscan/internal/testenv"
	"github.com/patchscan/patchscan/report"
)

var (
	reportXSD = filepath.Join("..", "..", "report", "report.xsd")
	rollupXSD = filepath.Join("..", "..", "report", "rollup.xsd")
)

// e2eHosts are the lab hosts every full run scans: one per verdict and per
// failure the reports must carry.
var e2eHosts = []string{
	lab.Patched, lab.MissingRegKey, lab.OldFile, lab.NewerFile, lab.WrongChecksum,
	lab.NoWinreg, lab.WrongPassword, lab.NotAdmin,
}

// e2e is the shared state of TestE2E's subtests.
type e2e struct {
	bin, xmllint, script string
	lab                  *lab.Lab
	env                  []string
	user                 string
	name                 map[string]string // lab host name by address
}

// needTool finds an external program: a missing one skips the test
// locally and fails it under CI=true, like the lab itself.
func needTool(t *testing.T, name, pkg string) string {
	t.Helper()
	return testenv.Program(t, name, pkg)
}

// buildE2EBinary starts building patchscan for TestE2E into the test's
// temp dir, so nothing outlives the test (buildBinary in
// scan_signal_test.go keeps its binary for TestScanSignals, which removes
// it). The build runs while the lab starts; wait returns the binary. A
// test that ends early (the lab skipped) stops the build first.
func buildE2EBinary(t *testing.T) (wait func() string) {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "patchscan")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	type result struct {
		out []byte
		err error
	}
	built := make(chan result, 1)
	go func() {
		out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, ".").CombinedOutput()
		built <- result{out, err}
	}()
	var res *result
	get := func() result {
		if res == nil {
			r := <-built
			res = &r
		}
		return *res
	}
	// Registered after TempDir's, so it runs before the dir is removed.
	t.Cleanup(func() {
		cancel()
		get()
	})
	return func() string {
		t.Helper()
		if r := get(); r.err != nil {
			t.Fatalf("building patchscan: %v\n%s", r.err, r.out)
		}
		return bin
	}
}

func (e *e2e) ip(name string) string { return e.lab.Host(name).IP }

func (e *e2e) ips(names ...string) []string {
	var out []string
	for _, n := range names {
		out = append(out, e.ip(n))
	}
	return out
}

// scanArgs is `scan -u USER --catalog lab.xml EXTRA... TARGETS...`.
func (e *e2e) scanArgs(targets []string, extra ...string) []string {
	args := append([]string{"scan", "-u", e.user, "--catalog", labCatalog}, extra...)
	return append(args, targets...)
}

func exitCode(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	t.Fatalf("running patchscan: %v", err)
	return -1
}

// run runs the binary with stdout and stderr captured. exec joins a
// non-file writer to the child through an os.Pipe, so the child's stdout
// is a real pipe, as in `patchscan scan ... | tool`.
func (e *e2e) run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, e.bin, hfnetchk(args)...)
	cmd.Env = e.env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	code = exitCode(t, cmd.Run())
	e.noSecret(t, out.String()+errb.String())
	return code, out.String(), errb.String()
}

// onTerminal runs the binary under a pseudo-terminal made by util-linux
// script(1): stdout and stderr are both the terminal, as for a person at a
// console. script -e returns the command's exit status.
func (e *e2e) onTerminal(t *testing.T, args ...string) (code int, output string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := e.terminalCmd(ctx, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	code = exitCode(t, cmd.Run())
	e.noSecret(t, out.String())
	return code, out.String()
}

// terminalCmd is patchscan ARGS under script(1). The shell script starts
// it with exec, so patchscan itself is the terminal's foreground process:
// ^C reaches it alone, and script -e returns its exit status.
func (e *e2e) terminalCmd(ctx context.Context, args ...string) *exec.Cmd {
	quoted := []string{"exec", shellQuote(e.bin)}
	for _, a := range hfnetchk(args) {
		quoted = append(quoted, shellQuote(a))
	}
	cmd := exec.CommandContext(ctx, e.script, "-qfec", strings.Join(quoted, " "), "/dev/null")
	// script runs the command with $SHELL -c.
	cmd.Env = append(slices.Clone(e.env), "SHELL=/bin/sh", "TERM=xterm")
	return cmd
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func (e *e2e) noSecret(t *testing.T, s string) {
	t.Helper()
	if strings.Contains(s, e.lab.Password) {
		t.Error("output shows the password")
	}
}

// validate runs xmllint --schema on a file, or on data given on stdin when
// path is "-".
func (e *e2e) validate(t *testing.T, xsd, path string, data []byte) {
	t.Helper()
	cmd := exec.Command(e.xmllint, "--noout", "--nonet", "--schema", xsd, path)
	if path == "-" {
		cmd.Stdin = bytes.NewReader(data)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		what := path
		if path == "-" {
			what = "stdout"
		}
		t.Errorf("%s does not validate against %s: %v\n%s", what, filepath.Base(xsd), err, out)
	}
}

// The documents as the tests read them back. encoding/xml checks the
// namespace of the roots, so a document of another version fails here.
type e2eReport struct {
	XMLName xml.Name  `xml:"urn:patchscan:report:2 ScanReport"`
	Hosts   []e2eHost `xml:"Host"`
}

type e2eHost struct {
	Name    string      `xml:"name,attr"`
	Address string      `xml:"address,attr"`
	Status  string      `xml:"status,attr"`
	Error   string      `xml:"error,attr"`
	Results []e2eResult `xml:"Result"`
}

// e2eResult is a Result of the XML report or of JSON Lines.
type e2eResult struct {
	Bulletin string `xml:"bulletin,attr" json:"bulletin"`
	KB       string `xml:"kb,attr" json:"kb"`
	Status   string `xml:"status,attr" json:"status"`
	Due      string `xml:"due,attr" json:"due"`
	Overdue  *bool  `xml:"overdue,attr" json:"overdue"`
}

// verdict is MS17-010's status on the host, else the host's status.
func (h e2eHost) verdict() string { return ms17010(h.Status, h.Results) }

func (h e2eHost) has(status string) bool {
	for _, r := range h.Results {
		if r.Status == status {
			return true
		}
	}
	return false
}

type e2eSummary struct {
	Hosts     int `xml:"hosts,attr"`
	Scanned   int `xml:"scanned,attr"`
	Failed    int `xml:"failed,attr"`
	Compliant int `xml:"compliant,attr"`
	Missing   int `xml:"missing,attr"`
	Warning   int `xml:"warning,attr"`
}

type e2eRollup struct {
	XMLName xml.Name   `xml:"urn:patchscan:rollup:1 Rollup"`
	Summary e2eSummary `xml:"Summary"`
	Hosts   []struct {
		Name    string `xml:"name,attr"`
		Address string `xml:"address,attr"`
		Status  string `xml:"status,attr"`
		Missing int    `xml:"missing,attr"`
		Warning int    `xml:"warning,attr"`
	} `xml:"Hosts>Host"`
	Bulletins []struct {
		ID      string `xml:"id,attr"`
		KB      string `xml:"kb,attr"`
		Missing int    `xml:"missing,attr"`
		Hosts   []struct {
			Address string `xml:"address,attr"`
		} `xml:"Host"`
	} `xml:"Bulletins>Bulletin"`
}

func parseXML[T any](t *testing.T, what string, data []byte) T {
	t.Helper()
	var v T
	if err := xml.Unmarshal(data, &v); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// summarize is what the rollup's Summary must say of these hosts, worked
// out independently of report.Rollup: compliant is scanned with neither a
// missing nor an unreadable (error) result; a warning does not spoil it.
func summarize(hosts []e2eHost) e2eSummary {
	var s e2eSummary
	for _, h := range hosts {
		s.Hosts++
		if h.Status != "scanned" {
			s.Failed++
			continue
		}
		s.Scanned++
		if !h.has("missing") && !h.has("error") {
			s.Compliant++
		}
		if h.has("missing") {
			s.Missing++
		}
		if h.has("warning") {
			s.Warning++
		}
	}
	return s
}

// TestE2E runs the built binary against one Samba lab: the XML stream
// through a pipe into xmllint, the per-host files and rollup, the four
// stdout formats through a pipe (JSON field for field equal to the XML)
// and on a terminal, a reader that closes the pipe early, a hostile
// registry value, `patchscan rollup` over two runs, and a run interrupted
// by SIGINT. Without the lab, xmllint or script(1) it skips, unless
// CI=true.
func TestE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and starts the Samba lab")
	}
	e := &e2e{
		xmllint: needTool(t, "xmllint", "libxml2-utils"),
		script:  needTool(t, "script", "bsdutils"), // util-linux script(1); Essential in Debian
	}
	built := buildE2EBinary(t)
	start := time.Now()
	e.lab = lab.Start(t, append(lab.StandardHostsNamed(e2eHosts...), hostileSpec(t))...)
	labUp := time.Since(start)
	e.bin = built()
	t.Logf("lab of %d hosts started in %v; binary built in %v", len(e.lab.Hosts), labUp.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	e.user = e.lab.Domain + `\` + e.lab.User
	e.env = append(os.Environ(), envPassword+"="+e.lab.Password, envLoopbackOnly+"=1")
	e.name = map[string]string{}
	for _, h := range e.lab.Hosts {
		e.name[h.IP] = h.Name
	}
	all := e.ips(e2eHosts...)

	// Run 1: the XML stream (default format on a pipe) straight into
	// xmllint, and the report files in out. Subtests 1 and 2 check it.
	out := filepath.Join(t.TempDir(), "SecurityScans")
	code, scanErr, xmlErr := e.pipeToXmllint(t, e.scanArgs(all, "--out", out)...)

	t.Run("xml through a pipe", func(t *testing.T) {
		// A table or text on stdout would not validate: the default on a
		// pipe is the XML stream.
		if xmlErr != nil {
			t.Errorf("xmllint rejected the default stdout of a piped scan: %v", xmlErr)
		}
		if code != ExitBoth {
			t.Errorf("exit %d, want %d (missing patches and hosts not scanned)\nstderr: %s", code, ExitBoth, scanErr)
		}
	})

	t.Run("report files", func(t *testing.T) {
		e.checkDir(t, out, all)
	})

	t.Run("formats through a pipe", func(t *testing.T) { e.checkFormats(t, all) })

	t.Run("terminal", func(t *testing.T) { e.checkTerminal(t, all) })

	t.Run("reader leaves early", func(t *testing.T) { e.checkClosedPipe(t, all) })

	t.Run("hostile registry value", func(t *testing.T) { e.checkHostile(t) })

	t.Run("every status", func(t *testing.T) { e.checkEveryStatus(t) })

	t.Run("rollup of two runs", func(t *testing.T) { e.checkRollupMerge(t) })

	t.Run("interrupted", func(t *testing.T) { e.checkInterrupted(t) })
}

// checkFormats: the four stdout formats through a pipe (JSON field for
// field equal to the XML files), and text (reasons without -v) with --show.
func (e *e2e) checkFormats(t *testing.T, all []string) {
	for _, format := range []string{formatTable, formatText, formatXML, formatJSON} {
		t.Run(format, func(t *testing.T) {
			// The JSON run also writes files, to compare the formats.
			files := []string{"--no-files"}
			out := filepath.Join(t.TempDir(), "reports")
			if format == formatJSON {
				files = []string{"--out", out}
			}
			code, stdout, stderr := e.run(t, e.scanArgs(all, append(files, "--format", format)...)...)
			if code != ExitBoth {
				t.Fatalf("exit %d, want %d\nstderr: %s", code, ExitBoth, stderr)
			}
			if strings.TrimSpace(stdout) == "" {
				t.Fatal("stdout is empty")
			}
			if strings.Contains(stderr, "hosts/s") {
				t.Errorf("progress bar drawn on a stderr that is no terminal: %q", stderr)
			}
			switch format {
			case formatTable, formatText:
				for _, ip := range all {
					if !strings.Contains(stdout, ip) {
						t.Errorf("%s does not mention %s (%s):\n%s", format, ip, e.name[ip], stdout)
					}
				}
				e.checkHuman(t, format, stdout)
			case formatXML:
				e.validate(t, reportXSD, "-", []byte(stdout))
				rep := parseXML[e2eReport](t, "stdout", []byte(stdout))
				e.checkVerdicts(t, rep.Hosts, all)
			case formatJSON:
				e.checkJSON(t, stdout, all)
				sameAsXML(t, stdout, runDir(t, out))
			}
		})
	}
	// The reason under each result, without -v (issue 13.13: -v is
	// logging); --show picks the results listed; hosts in input order.
	t.Run("text --show missing", func(t *testing.T) {
		code, stdout, stderr := e.run(t, e.scanArgs(all, "--no-files", "--format", "text", "--show", "missing")...)
		if code != ExitBoth {
			t.Fatalf("exit %d, want %d\nstderr: %s", code, ExitBoth, stderr)
		}
		for _, s := range []string{
			`srv.sys has version 6.1.7601.17514; 6.1.7601.23689 or later is required.`, // old-file
			`KB4012212\Installed does not exist.`,                                      // missing-regkey
			`srv.sys has an invalid checksum`,                                          // wrong-checksum
		} {
			if !strings.Contains(stdout, s) {
				t.Errorf("text lacks the reason %q:\n%s", s, stdout)
			}
		}
		last := -1
		for _, ip := range all {
			i := strings.Index(stdout, "\n"+ip+"\n")
			if i < 0 {
				i = strings.Index(stdout, "("+ip+")\n")
			}
			if i <= last {
				t.Errorf("%s is not after the host before it in the input (%v):\n%s", ip, all, stdout)
			}
			last = i
		}
		_, verbose, _ := e.run(t, e.scanArgs(all, "--no-files", "--format", "text", "-v", "--show", "missing")...)
		if verbose != stdout {
			t.Errorf("-v changed the text report:\n--- -v ---\n%s\n--- without ---\n%s", verbose, stdout)
		}
		if strings.Contains(stdout, "Warning ") || strings.Contains(stdout, "greater than what is expected") {
			t.Errorf("--show missing still lists newer-file's warning:\n%s", stdout)
		}
	})
}

// checkTerminal: on a terminal, the table by default and the text format,
// with the progress bar on the same terminal.
func (e *e2e) checkTerminal(t *testing.T, all []string) {
	tests := []struct {
		name     string
		extra    []string
		has, not []string
	}{
		// The default on a terminal is the table, with the progress
		// bar on stderr (the same terminal).
		{"default is the table", nil,
			[]string{"+------", "HOST", "CRITICAL", "Patch NOT Installed", "hosts/s", "ETA"},
			[]string{"<ScanReport", `"schema"`}},
		{"text", []string{"--format", "text"},
			[]string{"Patch NOT Installed  MS17-010", "Host NOT Scanned", "hosts/s"},
			[]string{"+------", "CRITICAL", "<ScanReport", `"schema"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			extra := append([]string{"--no-files"}, tc.extra...)
			code, output := e.onTerminal(t, e.scanArgs(all, extra...)...)
			if code != ExitBoth {
				t.Fatalf("exit %d, want %d\noutput: %s", code, ExitBoth, output)
			}
			// The final, forced draw of the bar.
			bar := fmt.Sprintf("%d/%d hosts, 3 failed", len(all), len(all))
			for _, s := range append(append(tc.has, bar), all...) {
				if !strings.Contains(output, s) {
					t.Errorf("terminal output lacks %q:\n%s", s, output)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(output, s) {
					t.Errorf("terminal output has %q:\n%s", s, output)
				}
			}
		})
	}
}

// pipeToXmllint runs `patchscan ARGS | xmllint --schema report.xsd --noout -`
// as two processes joined by an os.Pipe. It returns patchscan's exit code
// and stderr, and xmllint's error (nil when the stream validated).
func (e *e2e) pipeToXmllint(t *testing.T, args ...string) (code int, stderr string, xmllintErr error) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	lint := exec.CommandContext(ctx, e.xmllint, "--noout", "--nonet", "--schema", reportXSD, "-")
	lint.Stdin = r
	var lintOut bytes.Buffer
	lint.Stdout, lint.Stderr = &lintOut, &lintOut
	ps := exec.CommandContext(ctx, e.bin, hfnetchk(args)...)
	ps.Env = e.env
	ps.Stdout = w
	var errb bytes.Buffer
	ps.Stderr = &errb
	if err := lint.Start(); err != nil {
		t.Fatal(err)
	}
	if err := ps.Start(); err != nil {
		_ = w.Close()
		_ = lint.Wait()
		t.Fatal(err)
	}
	// Only the children hold the pipe now: xmllint sees EOF when
	// patchscan exits.
	_ = r.Close()
	_ = w.Close()
	code = exitCode(t, ps.Wait())
	if err := lint.Wait(); err != nil {
		xmllintErr = errors.New(err.Error() + ": " + lintOut.String())
	}
	e.noSecret(t, errb.String())
	return code, errb.String(), xmllintErr
}

// checkVerdicts: exactly the wanted addresses, each with the verdict
// lab.Expected gives its lab host.
func (e *e2e) checkVerdicts(t *testing.T, hosts []e2eHost, want []string) {
	t.Helper()
	var got []string
	for _, h := range hosts {
		got = append(got, h.Address)
		if v, w := h.verdict(), lab.Expected[e.name[h.Address]]; v != w {
			t.Errorf("%s (%s): %s, want %s (%s)", h.Address, e.name[h.Address], v, w, h.Error)
		}
	}
	sort.Strings(got)
	want = slices.Sorted(slices.Values(want))
	if !slices.Equal(got, want) {
		t.Errorf("hosts %v, want %v", got, want)
	}
}

// checkDir: out holds the run's folder and the latest link to it; the
// folder one valid per-host file per host, named by its address (lab
// hosts scanned by address have no name), plus a valid rollup.xml whose
// Summary agrees with the hosts' files.
func (e *e2e) checkDir(t *testing.T, out string, targets []string) {
	t.Helper()
	dir := runDir(t, out)
	if ents, err := os.ReadDir(out); err != nil || len(ents) != 2 || filepath.Join(out, ents[0].Name()) != newestRun(t, out) || ents[1].Name() != "latest" {
		t.Fatalf("%s holds %v (%v), want the run's folder and the latest link", out, ents, err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names, want []string
	for _, ent := range ents {
		names = append(names, ent.Name())
	}
	for _, ip := range targets {
		want = append(want, ip+".xml")
	}
	want = append(want, "rollup.xml")
	sort.Strings(want)
	if !slices.Equal(names, want) {
		t.Fatalf("%s holds %v, want %v (one file per host and the rollup, no temp files)", dir, names, want)
	}
	var hosts []e2eHost
	for _, ip := range targets {
		path := filepath.Join(dir, ip+".xml")
		e.validate(t, reportXSD, path, nil)
		rep := parseXML[e2eReport](t, path, readFile(t, path))
		if len(rep.Hosts) != 1 || rep.Hosts[0].Address != ip {
			t.Errorf("%s: hosts %+v, want one: %s", path, rep.Hosts, ip)
			continue
		}
		hosts = append(hosts, rep.Hosts[0])
	}
	e.checkVerdicts(t, hosts, targets)

	path := filepath.Join(dir, "rollup.xml")
	e.validate(t, rollupXSD, path, nil)
	ru := parseXML[e2eRollup](t, path, readFile(t, path))
	e.checkRollup(t, ru, hosts)
}

// checkRollup compares a rollup with the per-host reports it summarizes.
func (e *e2e) checkRollup(t *testing.T, ru e2eRollup, hosts []e2eHost) {
	t.Helper()
	if want := summarize(hosts); ru.Summary != want {
		t.Errorf("rollup Summary %+v, the hosts' reports say %+v", ru.Summary, want)
	}
	status := map[string]string{}
	missing := map[string][]string{} // "bulletin kb" -> addresses missing it
	for _, h := range hosts {
		status[h.Address] = h.Status
		for _, r := range h.Results {
			if r.Status == "missing" {
				k := r.Bulletin + " " + r.KB
				missing[k] = append(missing[k], h.Address)
			}
		}
	}
	if len(ru.Hosts) != len(hosts) {
		t.Errorf("rollup lists %d hosts, want %d", len(ru.Hosts), len(hosts))
	}
	for _, h := range ru.Hosts {
		if s, ok := status[h.Address]; !ok || s != h.Status {
			t.Errorf("rollup: host %s %s, its report says %q", h.Address, h.Status, s)
		}
	}
	// Each missing patch once, listing the hosts that miss it.
	listed := map[string][]string{}
	for _, b := range ru.Bulletins {
		k := b.ID + " " + b.KB
		if _, dup := listed[k]; dup || b.Missing != len(b.Hosts) {
			t.Errorf("rollup bulletin %+v (listed twice, or missing= is not its host count)", b)
		}
		listed[k] = []string{}
		for _, h := range b.Hosts {
			listed[k] = append(listed[k], h.Address)
		}
	}
	for _, m := range []map[string][]string{missing, listed} {
		for _, v := range m {
			sort.Strings(v)
		}
	}
	if !reflect.DeepEqual(listed, missing) {
		t.Errorf("rollup lists missing patches %v, the hosts' reports say %v", listed, missing)
	}
}

// checkHuman checks what the table and text formats must say of the lab.
func (e *e2e) checkHuman(t *testing.T, format, stdout string) {
	t.Helper()
	var has []string
	switch format {
	case formatTable:
		has = []string{"+------", "HOST", "CRITICAL", "Patch NOT Installed", "auth-failed", "access-denied"}
	case formatText:
		has = []string{"Patch NOT Installed  MS17-010        KB4012212", "Warning              MS17-010", "Host NOT Scanned     auth-failed", "Host NOT Scanned     access-denied"}
	}
	// The text report gives each result's reason without -v (issue
	// 13.13); the table has no room for them.
	if reasons := strings.Contains(stdout, "or later is required"); reasons != (format == formatText) {
		t.Errorf("%s shows reasons: %v, want %v:\n%s", format, reasons, format == formatText, stdout)
	}
	for _, s := range has {
		if !strings.Contains(stdout, s) {
			t.Errorf("%s lacks %q:\n%s", format, s, stdout)
		}
	}
}

// checkJSON: JSON Lines, one object per line per host, with the XML's
// verdicts.
func (e *e2e) checkJSON(t *testing.T, stdout string, targets []string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if len(lines) != len(targets) {
		t.Fatalf("%d JSON lines, want one per host (%d):\n%s", len(lines), len(targets), stdout)
	}
	var hosts []e2eHost
	for i, line := range lines {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line), &obj); err != nil {
			t.Fatalf("line %d is not a JSON object: %v\n%s", i+1, err, line)
		}
		var h struct {
			Schema, Address, Status, Error string
			Results                        []e2eResult
		}
		if err := json.Unmarshal([]byte(line), &h); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if h.Schema != "urn:patchscan:report:2" {
			t.Errorf("line %d: schema %q", i+1, h.Schema)
		}
		hosts = append(hosts, e2eHost{Address: h.Address, Status: h.Status, Error: h.Error, Results: h.Results})
	}
	e.checkVerdicts(t, hosts, targets)
}

// checkRollupMerge: two runs into two directories, the second newer and
// disagreeing about wrong-checksum (installed with --checksums off: its
// version is right; missing with checksums on: its bytes are not), merged
// by `patchscan rollup` in both argument orders, from the directories and
// from the runs' saved XML stdout. The newest report of each host wins
// whatever the order.
func (e *e2e) checkRollupMerge(t *testing.T) {
	base := t.TempDir()
	dirA, dirB := filepath.Join(base, "site-a"), filepath.Join(base, "site-b")
	runA := e.ips(lab.Patched, lab.OldFile, lab.WrongChecksum)
	// A closed port adds the one host status the lab hosts don't give.
	dead := "127.0.0.1:" + strconv.Itoa(closedPort(t))
	runB := append(e.ips(lab.WrongChecksum, lab.NoWinreg), dead)
	for _, r := range []struct {
		dir       string
		targets   []string
		checksums string
		code      int
	}{
		{dirA, runA, "off", ExitMissing}, // old-file misses its patch
		{dirB, runB, "on", ExitBoth},     // wrong-checksum misses it; no-winreg not scanned
	} {
		code, stdout, stderr := e.run(t, e.scanArgs(r.targets, "--checksums", r.checksums, "--out", r.dir, "--format", "xml")...)
		if code != r.code {
			t.Fatalf("scan into %s: exit %d, want %d\nstderr: %s", filepath.Base(r.dir), code, r.code, stderr)
		}
		// Saved stdout (`patchscan scan > FILE`) is rollup input too.
		if err := os.WriteFile(r.dir+"-stdout.xml", []byte(stdout), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	a, b := dirReports(t, runDir(t, dirA)), dirReports(t, runDir(t, dirB))
	if len(a) != len(runA) || len(b) != len(runB) {
		t.Fatalf("%d and %d reports, want %d and %d", len(a), len(b), len(runA), len(runB))
	}
	wc := e.ip(lab.WrongChecksum)
	if va, vb := a[wc].verdict(), b[wc].verdict(); va != "installed" || vb != "missing" {
		t.Fatalf("wrong-checksum: %s with checksums off, %s with them on; the test needs installed, then missing", va, vb)
	}
	if st := b["127.0.0.1"].Status; st != "unreachable" {
		t.Fatalf("%s: %q, want unreachable", dead, st)
	}
	// The newest report of each host: run B's where it scanned the host.
	newest := slices.Collect(maps.Values(b))
	for addr, h := range a {
		if _, ok := b[addr]; !ok {
			newest = append(newest, h)
		}
	}

	for _, order := range [][]string{{dirA, dirB}, {dirB, dirA}, {dirA + "-stdout.xml", dirB + "-stdout.xml"}, {dirB + "-stdout.xml", dirA}} {
		name := filepath.Base(order[0]) + " then " + filepath.Base(order[1])
		t.Run(name, func(t *testing.T) {
			merged := filepath.Join(t.TempDir(), "all.xml")
			code, stdout, stderr := e.run(t, append([]string{"rollup", "--out", merged}, order...)...)
			if code != 0 || stdout != "" {
				t.Fatalf("rollup: exit %d, stdout %q, stderr: %s", code, stdout, stderr)
			}
			e.validate(t, rollupXSD, merged, nil)
			ru := parseXML[e2eRollup](t, merged, readFile(t, merged))
			e.checkRollup(t, ru, newest)
			want := e2eSummary{Hosts: 5, Scanned: 3, Failed: 2, Compliant: 1, Missing: 2, Warning: 0}
			if ru.Summary != want {
				t.Errorf("merged Summary %+v, want %+v", ru.Summary, want)
			}
		})
	}

	// To stdout, as in `patchscan rollup DIR... | tool`.
	code, stdout, stderr := e.run(t, "rollup", dirB, dirA)
	if code != 0 {
		t.Fatalf("rollup to stdout: exit %d, stderr: %s", code, stderr)
	}
	e.validate(t, rollupXSD, "-", []byte(stdout))
}

// dirReports is every host's report in a report directory, by address.
func dirReports(t *testing.T, dir string) map[string]e2eHost {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.xml"))
	if err != nil {
		t.Fatal(err)
	}
	hosts := map[string]e2eHost{}
	for _, path := range files {
		if filepath.Base(path) == "rollup.xml" {
			continue
		}
		rep := parseXML[e2eReport](t, path, readFile(t, path))
		if len(rep.Hosts) != 1 {
			t.Fatalf("%s: %d hosts, want 1", path, len(rep.Hosts))
		}
		hosts[rep.Hosts[0].Address] = rep.Hosts[0]
	}
	return hosts
}

// checkInterrupted interrupts scans of two lab hosts and four tarpit hosts
// (they accept and never answer) once the lab hosts are done: SIGINT with
// XML or JSON Lines into a pipe, and Ctrl-C typed on a terminal under the
// default table. stdout is still complete and valid, the stuck hosts are
// marked interrupted, the exit code tells the verdicts, and every file
// written is valid, the finished hosts' with their verdicts.
func (e *e2e) checkInterrupted(t *testing.T) {
	tests := []struct {
		name     string
		format   string // "" = the default
		terminal bool
	}{
		{"sigint, xml into a pipe", formatXML, false},
		{"sigint, json into a pipe", formatJSON, false},
		{"ctrl-c on a terminal", "", true},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { e.interrupt(t, i, tc.format, tc.terminal) })
	}
}

func (e *e2e) interrupt(t *testing.T, block int, format string, terminal bool) {
	port := closedPort(t)
	var pits, pitTargets []string
	for i := 1; i <= 4; i++ {
		// A block per case, so one case's teardown can't answer the next.
		a := "127.67." + strconv.Itoa(block) + "." + strconv.Itoa(i)
		pits = append(pits, a)
		pitTargets = append(pitTargets, a+":"+strconv.Itoa(port))
	}
	tp := startTarpit(t, pits, port)
	done := e.ips(lab.Patched, lab.OldFile)
	out := filepath.Join(t.TempDir(), "reports")
	args := e.scanArgs(append(slices.Clone(done), pitTargets...), "--timeout", "60s", "--out", out)
	if format != "" {
		args = append(args, "--format", format)
	}
	run := e.startInterruptible(t, args, terminal)

	// Both lab hosts reported and every tarpit host stuck (a probe and a
	// session each).
	deadline := time.Now().Add(30 * time.Second)
	for countRunReports(out) < len(done) || len(tp.accepted) < 2*len(pits) {
		if time.Now().After(deadline) {
			t.Fatalf("scan did not reach the tarpit: %d reports, %d accepts\noutput: %s%s", countRunReports(out), len(tp.accepted), run.stdout.String(), run.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	err := run.interrupt(t)
	if code := exitCode(t, err); code != ExitBoth {
		t.Errorf("exit %d, want %d (old-file missing, tarpit hosts not scanned)\noutput: %s%s", code, ExitBoth, run.stdout.String(), run.stderr.String())
	}
	e.noSecret(t, run.stdout.String()+run.stderr.String())
	e.checkInterruptedStdout(t, run.stdout.String(), format, terminal, done, pits)
	e.checkInterruptedFiles(t, out, done, pits)
}

// interruptible is a scan run to be interrupted: by SIGINT, or by ^C
// typed at its terminal.
type interruptible struct {
	cmd            *exec.Cmd
	stdout, stderr syncBuffer     // written by exec's copying goroutines while the test polls
	keys           io.WriteCloser // the terminal's keyboard; nil without a terminal
	waited         chan error
}

func (e *e2e) startInterruptible(t *testing.T, args []string, terminal bool) *interruptible {
	t.Helper()
	r := &interruptible{waited: make(chan error, 1)}
	if terminal {
		r.cmd = e.terminalCmd(context.Background(), args...) // killed in cleanup if need be
		r.cmd.Stdout, r.cmd.Stderr = &r.stdout, &r.stdout
		var err error
		if r.keys, err = r.cmd.StdinPipe(); err != nil {
			t.Fatal(err)
		}
	} else {
		r.cmd = exec.Command(e.bin, hfnetchk(args)...)
		r.cmd.Env = e.env
		r.cmd.Stdout, r.cmd.Stderr = &r.stdout, &r.stderr
	}
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.waited <- r.cmd.Wait() }()
	t.Cleanup(func() {
		if r.cmd.ProcessState == nil {
			_ = r.cmd.Process.Kill()
			<-r.waited
		}
	})
	return r
}

// interrupt interrupts the run and returns how it ended, within 10 s.
func (r *interruptible) interrupt(t *testing.T) error {
	t.Helper()
	if r.keys != nil {
		// ^C typed at the terminal: its line discipline sends SIGINT to
		// the foreground process, as for a person at the keyboard.
		if _, err := r.keys.Write([]byte{0x03}); err != nil {
			t.Fatal(err)
		}
	} else if err := r.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-r.waited:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("patchscan did not exit within 10s of the interrupt")
	}
	return nil
}

// checkInterruptedStdout: an interrupted run's stdout is complete and
// valid in its format, and marks the stuck hosts interrupted.
func (e *e2e) checkInterruptedStdout(t *testing.T, got, format string, terminal bool, done, pits []string) {
	t.Helper()
	if n := strings.Count(got, "interrupted before this host finished"); n != len(pits) {
		t.Errorf("stdout marks %d hosts interrupted, want %d:\n%s", n, len(pits), got)
	}
	switch {
	case terminal:
		for _, s := range append([]string{"patchscan: interrupted", "+------", "Patch NOT Installed"}, pits...) {
			if !strings.Contains(got, s) {
				t.Errorf("terminal lacks %q after Ctrl-C:\n%s", s, got)
			}
		}
	case format == formatXML:
		e.validate(t, reportXSD, "-", []byte(got))
		if rep := parseXML[e2eReport](t, "stdout", []byte(got)); len(rep.Hosts) != len(done)+len(pits) {
			t.Errorf("stdout carries %d hosts, want %d", len(rep.Hosts), len(done)+len(pits))
		}
	case format == formatJSON:
		lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
		if len(lines) != len(done)+len(pits) {
			t.Errorf("%d JSON lines, want %d:\n%s", len(lines), len(done)+len(pits), got)
		}
		for i, line := range lines {
			if !json.Valid([]byte(line)) {
				t.Errorf("line %d is not JSON: %q", i+1, line)
			}
		}
	}
}

// checkInterruptedFiles: every file an interrupted run wrote is valid,
// the finished hosts' with their verdicts, the stuck ones interrupted;
// the rollup says the run was interrupted and no latest link points to
// the partial run.
func (e *e2e) checkInterruptedFiles(t *testing.T, root string, done, pits []string) {
	t.Helper()
	if _, ok := report.LatestRun(root); ok {
		t.Errorf("%s/latest points to an interrupted run", root)
	}
	out := newestRun(t, root)
	if b := readFile(t, filepath.Join(out, "rollup.xml")); !bytes.Contains(b, []byte(` interrupted="true"`)) {
		t.Errorf("the interrupted run's rollup.xml does not say so:\n%s", b)
	}
	ents, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != len(done)+len(pits)+1 {
		t.Errorf("%d files in the report dir, want %d (a report per host and the rollup)", len(ents), len(done)+len(pits)+1)
	}
	var finished []e2eHost
	for _, ent := range ents {
		path := filepath.Join(out, ent.Name())
		if ent.Name() == "rollup.xml" {
			e.validate(t, rollupXSD, path, nil)
			continue
		}
		e.validate(t, reportXSD, path, nil)
		rep := parseXML[e2eReport](t, path, readFile(t, path))
		for _, h := range rep.Hosts {
			if slices.Contains(done, h.Address) {
				finished = append(finished, h)
			} else if h.Status == "scanned" || !strings.Contains(h.Error, "interrupted") {
				t.Errorf("%s: tarpit host %s: %s (%s), want it marked interrupted", path, h.Address, h.Status, h.Error)
			}
		}
	}
	e.checkVerdicts(t, finished, done)
}

// checkClosedPipe: `patchscan scan | head`, the reader gone before the
// first host is written. With report files the scan goes on and writes
// every host's file and the rollup, and the exit code still tells the
// verdicts; with --no-files patchscan dies of SIGPIPE like any filter.
func (e *e2e) checkClosedPipe(t *testing.T, all []string) {
	run := func(t *testing.T, args ...string) error {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		_ = r.Close()
		defer w.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, e.bin, hfnetchk(args)...)
		cmd.Env = e.env
		cmd.Stdout = w
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err = cmd.Run()
		e.noSecret(t, stderr.String())
		if stderr.Len() > 0 {
			t.Logf("stderr: %s", stderr.String())
		}
		return err
	}
	t.Run("files", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "reports")
		if code := exitCode(t, run(t, e.scanArgs(all, "--out", out, "--format", "json")...)); code != ExitBoth {
			t.Errorf("exit %d, want %d: the verdicts, not a broken-pipe failure", code, ExitBoth)
		}
		e.checkDir(t, out, all)
	})
	t.Run("no files", func(t *testing.T) {
		err := run(t, e.scanArgs(all, "--no-files", "--format", "json")...)
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("patchscan --no-files wrote to a closed pipe and ended with %v, want death by SIGPIPE", err)
		}
		if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGPIPE {
			t.Errorf("patchscan --no-files wrote to a closed pipe and ended with %v, want death by SIGPIPE", err)
		}
	})
}

// xmlNode is any element, for reading a report generically.
type xmlNode struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Children []xmlNode  `xml:",any"`
	Text     string     `xml:",chardata"`
}

func (n xmlNode) attrs() map[string]any {
	m := map[string]any{}
	for _, a := range n.Attrs {
		if a.Name.Space == "" && a.Name.Local != "xmlns" && a.Value != "" {
			m[a.Name.Local] = a.Value
		}
	}
	return m
}

// canonXMLHost turns a per-host file into the shape of a JSON Lines object
// (docs/report-format.md: the same fields, named as the XML attributes),
// every value a string, empty values left out.
func canonXMLHost(t *testing.T, path string) map[string]any {
	t.Helper()
	var doc xmlNode
	if err := xml.Unmarshal(readFile(t, path), &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(doc.Children) != 1 {
		t.Fatalf("%s: %d hosts, want 1", path, len(doc.Children))
	}
	host := doc.attrs()
	maps.Copy(host, doc.Children[0].attrs())
	host["schema"] = doc.XMLName.Space
	products, results, vulns := []any{}, []any{}, []any{}
	// Lists the XML writes space-separated are arrays in JSON.
	split := func(m map[string]any, k string) {
		s, _ := m[k].(string)
		out := []any{}
		for _, f := range strings.Fields(s) {
			out = append(out, f)
		}
		m[k] = out
	}
	for _, c := range doc.Children[0].Children {
		switch c.XMLName.Local {
		case "OS":
			host["os"] = c.attrs()
		case "Vulnerability":
			v := c.attrs()
			split(v, "fixedBy")
			vulns = append(vulns, v)
		case "Products":
			for _, p := range c.Children {
				products = append(products, p.attrs())
			}
		case "Result":
			r := c.attrs()
			if r["kind"] == nil {
				r["kind"] = "patch" // the XML leaves the default out
			}
			split(r, "cves")
			reasons, checks := []any{}, []any{}
			for _, rc := range c.Children {
				switch rc.XMLName.Local {
				case "Reason":
					reasons = append(reasons, rc.Text)
				case "Check":
					checks = append(checks, rc.attrs())
				}
			}
			r["reasons"], r["checks"] = reasons, checks
			results = append(results, r)
		}
	}
	host["products"], host["results"] = products, results
	if host["status"] == "scanned" {
		host["vulnerabilities"] = vulns // an array for scanned hosts, absent otherwise
	}
	return host
}

// canonJSON is a decoded JSON value with numbers as strings and empty
// strings left out, to compare with canonXMLHost.
func canonJSON(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := map[string]any{}
		for k, x := range v {
			if x == "" || x == nil {
				continue
			}
			m[k] = canonJSON(x)
		}
		return m
	case []any:
		out := []any{}
		for _, x := range v {
			out = append(out, canonJSON(x))
		}
		return out
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	}
	return v
}

// sameAsXML: each JSON line says exactly what the host's XML file says.
func sameAsXML(t *testing.T, jsonl, dir string) {
	t.Helper()
	for i, line := range strings.Split(strings.TrimSuffix(jsonl, "\n"), "\n") {
		d := json.NewDecoder(strings.NewReader(line))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		j := canonJSON(v).(map[string]any)
		addr, _ := j["address"].(string)
		x := canonXMLHost(t, filepath.Join(dir, addr+".xml"))
		if !reflect.DeepEqual(j, x) {
			jb, _ := json.MarshalIndent(j, "", "  ")
			xb, _ := json.MarshalIndent(x, "", "  ")
			t.Errorf("host %s: JSON and XML differ\nJSON: %s\nXML:  %s", addr, jb, xb)
		}
	}
}

// The hostile lab host answers the KB's Installed value with a REG_SZ
// built to break reports: markup and a CDATA end, a C1 CSI and a
// right-to-left override (terminal tricks), a lone UTF-16 surrogate and a
// character outside the BMP.
const hostileHost = "hostile"

// hostileParts[3] stands for the lone surrogate, which a Go string can't
// hold: hostileSpec writes the code unit itself.
var hostileParts = []string{`1]]><x a="&amp;">`, "\u009b31m", "\u202e", "", "𝄞"}

// hostileSpec is a patched-looking host with the hostile value; the .reg
// is written as hex(1) so it can carry what a quoted string cannot.
func hostileSpec(t *testing.T) lab.HostSpec {
	var units []uint16
	for i, p := range hostileParts {
		if i == 3 {
			units = append(units, 0xD800) // lone high surrogate
			continue
		}
		units = append(units, utf16.Encode([]rune(p))...)
	}
	units = append(units, 0)
	var hexb []string
	for _, u := range units {
		hexb = append(hexb, fmt.Sprintf("%02x,%02x", u&0xff, u>>8))
	}
	reg := "Windows Registry Editor Version 5.00\n\n" +
		`[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Updates\Windows 7\SP1\KB4012212]` + "\n" +
		`"Installed"=hex(1):` + strings.Join(hexb, ",") + "\n\n"
	path := filepath.Join(t.TempDir(), "hostile.reg")
	if err := os.WriteFile(path, []byte(reg), 0o644); err != nil {
		t.Fatal(err)
	}
	return lab.HostSpec{
		Name:  hostileHost,
		Reg:   []string{lab.BaseReg, path},
		Files: []lab.File{{Path: lab.SrvPath, Src: lab.SrvExact}},
	}
}

// checkHostile: the hostile value reaches every output intact where the
// format can carry it (XML escaped, JSON), replaced where it would act
// (terminal formats), and never breaks a document.
func (e *e2e) checkHostile(t *testing.T) {
	ip := e.ip(hostileHost)
	out := filepath.Join(t.TempDir(), "reports")
	code, stdout, stderr := e.run(t, e.scanArgs([]string{ip}, "--out", out, "--format", "json")...)
	if code != ExitMissing {
		t.Fatalf("exit %d, want %d (a string is no number >= 1)\nstderr: %s", code, ExitMissing, stderr)
	}
	path := runFile(t, out, ip+".xml")
	e.validate(t, reportXSD, path, nil)
	e.validate(t, rollupXSD, runFile(t, out, "rollup.xml"), nil)
	sameAsXML(t, stdout, runDir(t, out))

	// What the XML says, decoded: the markup is text, the characters XML
	// can carry are kept, the surrogate is U+FFFD.
	var found string
	var reasons []string
	for _, r := range canonXMLHost(t, path)["results"].([]any) {
		res := r.(map[string]any)
		for _, c := range res["checks"].([]any) {
			if c := c.(map[string]any); c["kind"] == "registry" {
				found, _ = c["found"].(string)
			}
		}
		for _, reason := range res["reasons"].([]any) {
			reasons = append(reasons, reason.(string))
		}
	}
	want := strings.Join(hostileParts[:3], "") + "\ufffd" + hostileParts[4]
	if found != want {
		t.Errorf("registry check found %+q, want %+q", found, want)
	}
	if !slices.ContainsFunc(reasons, func(r string) bool { return strings.Contains(r, want) }) {
		t.Errorf("no reason quotes the value %+q: %q", want, reasons)
	}

	// On a terminal the value must not act: no CSI, no override.
	for _, format := range []string{formatTable, formatText} {
		code, output := e.onTerminal(t, e.scanArgs([]string{ip}, "--no-files", "--format", format, "--show", "all")...)
		if code != ExitMissing {
			t.Errorf("%s: exit %d, want %d\n%s", format, code, ExitMissing, output)
		}
		if strings.ContainsAny(output, "\u009b\u202e") {
			t.Errorf("%s on a terminal passes the host's control characters through:\n%+q", format, output)
		}
		if !strings.Contains(output, "Patch NOT Installed") {
			t.Errorf("%s on a terminal lacks the verdict:\n%s", format, output)
		}
		// text quotes the value, the acting characters replaced.
		if shown := hostileParts[0] + "\ufffd31m\ufffd\ufffd" + hostileParts[4]; format == formatText && !strings.Contains(output, shown) {
			t.Errorf("text does not quote the value as %+q:\n%+q", shown, output)
		}
	}
}

// everyStatusCatalog is lab.xml plus bulletins that give, on a lab host,
// the result statuses lab.xml can't: note (no criteria), not-applicable
// (a product no lab host has), error (a file the account may not read)
// and superseded (missing, but replaced by the installed MS17-010).
func everyStatusCatalog(t *testing.T) string {
	t.Helper()
	cat := string(readFile(t, labCatalog))
	edits := []struct{ old, new string }{
		{`DataVersion="lab.1"`, `DataVersion="lab.every-status"`},
		{"  </Products>", `    <Product ProductID="30" Name="Not on lab hosts" ProductFamilyID="1" CurrentServicePackID="1">
      <Detection>
        <RegValue Key="HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion" Name="CurrentVersion" Op="equals" Value="10.0"/>
      </Detection>
    </Product>
  </Products>`},
		{"  </Bulletins>", `    <Bulletin BulletinID="LAB-NOTE" Title="No detection criteria" DatePosted="2026-01-01">
      <Patches>
        <Patch PatchName="note.msu" SQNumber="KB9100001" MSSeverityID="3">
          <AffectedProduct ProductID="10"/>
        </Patch>
      </Patches>
    </Bulletin>
    <Bulletin BulletinID="LAB-NA" Title="For a product the lab lacks" DatePosted="2026-01-01">
      <Patches>
        <Patch PatchName="na.msu" SQNumber="KB9100002" MSSeverityID="2">
          <AffectedProduct ProductID="30"/>
          <FileChecks><FileCheck Path="%SystemRoot%\System32\drivers\srv.sys" Version="99.0"/></FileChecks>
        </Patch>
      </Patches>
    </Bulletin>
    <Bulletin BulletinID="LAB-ERR" Title="A file the scan account cannot read" DatePosted="2026-01-01">
      <Patches>
        <Patch PatchName="err.msu" SQNumber="KB9100003" MSSeverityID="2">
          <AffectedProduct ProductID="10"/>
          <FileChecks><FileCheck Path="%SystemRoot%\System32\locked.dll" Version="1.0"/></FileChecks>
        </Patch>
      </Patches>
    </Bulletin>
    <Bulletin BulletinID="LAB-OLD" Title="Replaced by MS17-010" DatePosted="2016-01-01">
      <Patches>
        <Patch PatchName="old.msu" SQNumber="KB9100004" MSSeverityID="4">
          <AffectedProduct ProductID="10"/>
          <RegChecks><RegCheck Key="HKLM\SOFTWARE\Microsoft\Updates\Windows 7\SP1\KB9100004" Name="Installed" Op="number-ge" Value="1"/></RegChecks>
          <SupersededBy BulletinID="MS17-010" SQNumber="KB4012212"/>
        </Patch>
      </Patches>
    </Bulletin>
  </Bulletins>`},
	}
	for _, ed := range edits {
		if strings.Count(cat, ed.old) != 1 {
			t.Fatalf("%s no longer has one %q to extend: update everyStatusCatalog", labCatalog, ed.old)
		}
		cat = strings.Replace(cat, ed.old, ed.new, 1)
	}
	path := filepath.Join(t.TempDir(), "every-status.xml")
	if err := os.WriteFile(path, []byte(cat), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// checkEveryStatus: one run whose reports carry every host status, result
// status and check result of the contract (docs/report-format.md), each
// through xmllint, JSON equal to XML, the rollup consistent, and text
// stating each reason once.
func (e *e2e) checkEveryStatus(t *testing.T) {
	cat := everyStatusCatalog(t)
	targets := append(e.ips(lab.Patched, lab.OldFile, lab.NewerFile, lab.NoWinreg, lab.WrongPassword, lab.NotAdmin),
		"127.0.0.1:"+strconv.Itoa(closedPort(t)))
	out := filepath.Join(t.TempDir(), "reports")
	args := []string{"scan", "-u", e.user, "--catalog", cat, "--out", out}
	code, stdout, stderr := e.run(t, append(append(args, "--format", "json"), targets...)...)
	if code != ExitBoth {
		t.Fatalf("exit %d, want %d\nstderr: %s", code, ExitBoth, stderr)
	}
	sameAsXML(t, stdout, runDir(t, out))

	hostStatus, resultStatus, checkResult := map[string]bool{}, map[string]bool{}, map[string]bool{}
	var hosts []e2eHost
	files, err := filepath.Glob(filepath.Join(runDir(t, out), "*.xml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		if filepath.Base(path) == "rollup.xml" {
			continue
		}
		e.validate(t, reportXSD, path, nil)
		rep := parseXML[e2eReport](t, path, readFile(t, path))
		hosts = append(hosts, rep.Hosts...)
		for _, h := range rep.Hosts {
			hostStatus[h.Status] = true
		}
		for _, r := range canonXMLHost(t, path)["results"].([]any) {
			r := r.(map[string]any)
			resultStatus[r["status"].(string)] = true
			for _, c := range r["checks"].([]any) {
				checkResult[c.(map[string]any)["result"].(string)] = true
			}
		}
	}
	if len(hosts) != len(targets) {
		t.Errorf("%d host files, want %d", len(hosts), len(targets))
	}
	for what, want := range map[string]struct {
		got  map[string]bool
		want []string
	}{
		"host status":   {hostStatus, []string{"scanned", "unreachable", "auth-failed", "access-denied", "error"}},
		"result status": {resultStatus, []string{"installed", "missing", "warning", "note", "not-applicable", "superseded", "error"}},
		"check result":  {checkResult, []string{"pass", "fail", "newer", "unreadable"}},
	} {
		if got := slices.Sorted(maps.Keys(want.got)); !slices.Equal(got, slices.Sorted(slices.Values(want.want))) {
			t.Errorf("%s values written: %v, want every one of %v", what, got, want.want)
		}
	}
	rollup := runFile(t, out, "rollup.xml")
	e.validate(t, rollupXSD, rollup, nil)
	e.checkRollup(t, parseXML[e2eRollup](t, rollup, readFile(t, rollup)), hosts)

	// text --show all: every status's label, and the supersedence
	// stated once (the engine's reason), not twice.
	code, text, stderr := e.run(t, append(append(args[:len(args)-2], "--no-files", "--format", "text", "--show", "all"), targets...)...)
	if code != ExitBoth {
		t.Fatalf("text: exit %d, want %d\nstderr: %s", code, ExitBoth, stderr)
	}
	for _, label := range []string{"Installed ", "Patch NOT Installed ", "Warning ", "Note ", "Not Applicable ", "Superseded ", "Error ", "Host NOT Scanned "} {
		if !strings.Contains(text, "\n"+label) {
			t.Errorf("text --show all has no %q line:\n%s", label, text)
		}
	}
	if n := strings.Count(text, "Superseded by MS17-010 KB4012212"); n != 1 {
		t.Errorf("text states the supersedence %d times, want once (one superseded result):\n%s", n, text)
	}
}

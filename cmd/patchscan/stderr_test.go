package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/patchscan/patchscan/scan"
	"github.com/patchscan/patchscan/scan/targets"
	"github.com/patchscan/patchscan/scan/transport"
)

// Issue 13.4: text from hosts, DCs and the operator's own inputs reaches
// stderr only through textsafe, so none of it can drive the terminal.
// actingChars are what would: a bidi override (U+202E reverses what
// follows), C1 CSI (U+009B, "ESC [" in one character) and ESC itself.
const actingChars = "\u202e\u009b\x1b"

func checkStderr(t *testing.T, stderr, mustShow string) {
	t.Helper()
	if !strings.Contains(stderr, mustShow) {
		t.Fatalf("stderr lacks %q, so the hostile text never reached it and this test proves nothing:\n%s", mustShow, stderr)
	}
	if i := strings.IndexAny(stderr, actingChars); i >= 0 {
		t.Errorf("stderr passes a control or bidi character through at byte %d:\n%+q", i, stderr)
	}
}

// faultServer answers every WS-Management request with HTTP 500 and a
// SOAP fault whose text carries hostile characters, as a hostile or
// compromised WinRM host can.
func faultServer(t *testing.T, text string) int {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/soap+xml;charset=UTF-8")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintf(w, `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd">`+
			`<s:Body><s:Fault><s:Code><s:Value>s:Receiver</s:Value><s:Subcode><s:Value>w:InternalError</s:Value></s:Subcode></s:Code>`+
			`<s:Reason><s:Text xml:lang="en-US">%s</s:Text></s:Reason></s:Fault></s:Body></s:Envelope>`, text)
	}))
	t.Cleanup(srv.Close)
	port, err := strconv.Atoi(srv.URL[strings.LastIndexByte(srv.URL, ':')+1:])
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// TestStderrWinRMFault: under -v a host's fault text is logged; its
// override and CSI must not reach the terminal as themselves.
func TestStderrWinRMFault(t *testing.T) {
	port := faultServer(t, "EVIL-FAULT \u202egnp.exe \u009b31mred")
	t.Setenv(envPassword, "not-a-real-password")
	code, _, stderr := runScanCLI(t, "", "127.0.0.1", "--transport", "winrm", "--winrm-https=false",
		"--winrm-port", strconv.Itoa(port), "-u", `LAB\audit`, "-v", "--no-files", "--format", "json")
	if code != ExitNotScanned {
		t.Errorf("exit %d, want %d (the host answered with a fault)\nstderr: %s", code, ExitNotScanned, stderr)
	}
	checkStderr(t, stderr, "EVIL-FAULT")
}

// TestStderrTargetInput: bad targets are listed on stderr, quoting the
// operator's input, from the command line and from a hosts file.
func TestStderrTargetInput(t *testing.T) {
	code, _, stderr := runScanCLI(t, "evil-file\u202etxt.exe\u009b2J\n", "evil-arg\u202egnp\u009b31m", "--hosts-file", "-", "--no-files")
	if code != ExitUsage {
		t.Errorf("exit %d, want %d (no valid targets)\nstderr: %s", code, ExitUsage, stderr)
	}
	checkStderr(t, stderr, "evil-arg")
	checkStderr(t, stderr, "evil-file")
}

// TestStderrProgress: the -v log quotes a target's input (for a domain
// scan, the computer's DN as the DC sent it), its name and its error.
func TestStderrProgress(t *testing.T) {
	var b bytes.Buffer
	p := scan.NewProgress(&b, 1, false, true)
	now := time.Now()
	p.Start(targets.Target{Host: "ws01.lab.test", Input: "CN=WS01,OU=EVIL-DN\u202enimda\u009b31m,DC=lab,DC=test"})
	p.Finish(scan.HostResult{Target: "ws01.lab.test\u202e", Status: transport.Failed,
		Error: errors.New("EVIL-ERROR \u009b2J\x1b[2J"), Started: now, Finished: now})
	checkStderr(t, b.String(), "EVIL-DN")
	checkStderr(t, b.String(), "EVIL-ERROR")
}

package winrm

import (
	"strings"
	"testing"
)

const receiveDone = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"><s:Body><rsp:ReceiveResponse><rsp:Stream Name="stdout" CommandId="C">UEtHCg==</rsp:Stream><rsp:CommandState CommandId="C" State="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done"><rsp:ExitCode>0</rsp:ExitCode></rsp:CommandState></rsp:ReceiveResponse></s:Body></s:Envelope>`

const timedOutFault = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"><s:Body><s:Fault><s:Code><s:Value>s:Receiver</s:Value><s:Subcode><s:Value>w:TimedOut</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">The WS-Management service cannot complete the operation within the time specified in OperationTimeout.</s:Text></s:Reason><s:Detail><f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" Code="2150858793" Machine="h"><f:Message>timed out</f:Message></f:WSManFault></s:Detail></s:Fault></s:Body></s:Envelope>`

func TestParseFault(t *testing.T) {
	f, ok := parseFault([]byte(timedOutFault))
	if !ok || !f.timedOut() || f.code != "2150858793" || !strings.Contains(f.String(), "OperationTimeout") {
		t.Errorf("parseFault = %+v, %v", f, ok)
	}
	long := strings.Replace(timedOutFault, "The WS-Management", strings.Repeat("xy", 5000)+"\u007f", 1)
	if f, ok := parseFault([]byte(long)); !ok || len(f.text) > 210 || strings.ContainsRune(f.text, 0x7f) {
		t.Errorf("fault text not bounded/cleaned: %d chars", len(f.text))
	}
	if _, ok := parseFault([]byte(receiveDone)); ok {
		t.Error("a ReceiveResponse parsed as a fault")
	}
}

func TestParseReceive(t *testing.T) {
	tests := []struct {
		name, body string
		done       bool
		exit       int
		out        string
		bad        bool
	}{
		{"done", receiveDone, true, 0, "PKG\n", false},
		{"running", strings.Replace(receiveDone, "CommandState/Done", "CommandState/Running", 1), false, 0, "PKG\n", false},
		{"exit code", strings.Replace(receiveDone, "<rsp:ExitCode>0", "<rsp:ExitCode>4294967295", 1), true, -1, "PKG\n", false},
		{"garbage", "garbage", false, 0, "", true},
		{"not receive", timedOutFault, false, 0, "", true},
		{"bad base64", strings.Replace(receiveDone, "UEtHCg==", "!!", 1), false, 0, "", true},
		{"other command", strings.Replace(receiveDone, `Name="stdout" CommandId="C"`, `Name="stdout" CommandId="D"`, 1), false, 0, "", true},
		{"odd stream", strings.Replace(receiveDone, `Name="stdout"`, `Name="pty"`, 1), false, 0, "", true},
	}
	for _, tc := range tests {
		var out, errb limitBuffer
		out.max, errb.max = 1<<10, 1<<10
		done, exit, err := parseReceive([]byte(tc.body), "C", &out, &errb)
		if (err != nil) != tc.bad {
			t.Errorf("%s: err = %v, want bad=%v", tc.name, err, tc.bad)
			continue
		}
		if !tc.bad && (done != tc.done || exit != tc.exit || out.String() != tc.out) {
			t.Errorf("%s: done %v exit %d out %q", tc.name, done, exit, out.String())
		}
	}
}

// FuzzSOAPResponses feeds hostile envelopes to what reads the service's
// answers: the fault, Receive, shell (Create) and command parsers.
func FuzzSOAPResponses(f *testing.F) {
	// Small seeds: the fuzzer minimises every new input it finds, and on
	// kilobyte envelopes that takes most of a short run.
	f.Add([]byte(`<E><Body><Fault><Code><Subcode><Value>w:TimedOut</Value></Subcode></Code><Reason><Text>t</Text></Reason><Detail><WSManFault Code="5"/></Detail></Fault></Body></E>`))
	f.Add([]byte(`<E><Body><ReceiveResponse><Stream Name="stdout" CommandId="C">QQ==</Stream><CommandState State="x/CommandState/Done"><ExitCode>1</ExitCode></CommandState></ReceiveResponse></Body></E>`))
	f.Add([]byte("<a"))
	f.Add([]byte(`<Envelope><Body><ResourceCreated><SelectorSet><Selector Name="ShellId">S-1</Selector></SelectorSet></ResourceCreated><Shell><ShellId>S-1</ShellId></Shell></Body></Envelope>`))
	f.Add([]byte(`<Envelope><Body><CommandResponse><CommandId>C-1</CommandId></CommandResponse></Body></Envelope>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		for name, parse := range map[string]func([]byte) (string, error){"shell": parseShellID, "command": parseCommandID} {
			id, err := parse(body)
			if err == nil {
				if _, cerr := checkID(id); cerr != nil || id == "" {
					t.Fatalf("%s ID %q accepted: %v", name, id, cerr)
				}
			}
		}
		if f, ok := parseFault(body); ok && len(f.text) > 210 {
			t.Fatalf("fault text of %d bytes", len(f.text))
		}
		out := &limitBuffer{max: 1 << 10}
		errb := &limitBuffer{max: 1 << 10}
		done, _, err := parseReceive(body, "C", out, errb)
		if err != nil && done {
			t.Fatal("done with an error")
		}
		if out.Len() > 1<<10 || errb.Len() > 1<<10 {
			t.Fatal("limitBuffer exceeded its bound")
		}
	})
}

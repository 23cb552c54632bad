package winrm

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/masterzen/winrm"
	"github.com/masterzen/winrm/soap"
	"github.com/patchscan/patchscan/internal/textsafe"
)

// fault is the part of a SOAP fault worth reporting.
type fault struct {
	subcode string // e.g. "w:TimedOut"
	code    string // WSManFault Code attribute (a Win32 or WSMan error number)
	text    string
}

func (f fault) timedOut() bool {
	return strings.HasSuffix(f.subcode, ":TimedOut") || f.subcode == "TimedOut" || f.code == "2150858793"
}

func (f fault) String() string {
	s := f.text
	if s == "" {
		s = "(no reason given)"
	}
	if f.code != "" {
		s += " (code " + f.code + ")"
	}
	return s
}

// parseFault extracts a SOAP 1.2 fault; the text is bounded and cleaned
// because it ends up in reports.
func parseFault(body []byte) (fault, bool) {
	var env struct {
		Body struct {
			Fault *struct {
				Code struct {
					Subcode struct {
						Value string `xml:"Value"`
					} `xml:"Subcode"`
				} `xml:"Code"`
				Reason struct {
					Text []string `xml:"Text"`
				} `xml:"Reason"`
				Detail struct {
					WSManFault struct {
						Code    string `xml:"Code,attr"`
						Message string `xml:",innerxml"`
					} `xml:"WSManFault"`
				} `xml:"Detail"`
			} `xml:"Fault"`
		} `xml:"Body"`
	}
	if err := xml.Unmarshal(body, &env); err != nil || env.Body.Fault == nil {
		return fault{}, false
	}
	fl := env.Body.Fault
	f := fault{subcode: strings.TrimSpace(fl.Code.Subcode.Value), code: strings.TrimSpace(fl.Detail.WSManFault.Code)}
	if len(fl.Reason.Text) > 0 {
		f.text = fl.Reason.Text[0]
	}
	if f.text == "" {
		f.text = stripTags(fl.Detail.WSManFault.Message)
	}
	f.text = textsafe.Line(strings.Join(strings.Fields(f.text), " "), maxQuoted)
	return f, true
}

func stripTags(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// safeParse runs one of the library's response parsers, turning a panic on
// a hostile document into an error.
func safeParse(f func() (string, error)) (s string, err error) {
	defer func() {
		if r := recover(); r != nil {
			s, err = "", fmt.Errorf("malformed SOAP response (%v)", r)
		}
	}()
	return f()
}

func orNone(err error) string {
	if err == nil {
		return "none found"
	}
	return err.Error()
}

// newCommandRequest is winrm.NewExecuteCommandRequest with one difference:
// WINRS_CONSOLEMODE_STDIN is FALSE, so the command's stdin is a pipe that
// delivers the request block as sent (console mode is for interactive
// input; clients that feed a command's stdin, such as pywinrm's callers,
// turn it off). WINRS_SKIP_CMD_SHELL stays FALSE: the command line goes
// through cmd.exe, whose 8191-character limit the collector respects.
func newCommandRequest(uri, shellID, command string, params *winrm.Parameters) *soap.SoapMessage {
	msg := soap.NewMessage()
	msg.Header().
		To(uri).
		ReplyTo("http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous").
		MaxEnvelopeSize(params.EnvelopeSize).
		Id(newMessageID()).
		Locale(params.Locale).
		Timeout(params.Timeout).
		Action("http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Command").
		ResourceURI("http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd").
		ShellId(shellID).
		AddOption(soap.NewHeaderOption("WINRS_CONSOLEMODE_STDIN", "FALSE")).
		AddOption(soap.NewHeaderOption("WINRS_SKIP_CMD_SHELL", "FALSE")).
		Build()
	body := msg.CreateBodyElement("CommandLine", soap.DOM_NS_WIN_SHELL)
	// The command line is ours and pure base64 after the prefix, so the
	// CDATA section cannot be closed early.
	msg.CreateElement(body, "Command", soap.DOM_NS_WIN_SHELL).SetContent("<![CDATA[" + command + "]]>")
	return msg
}

// newMessageID is a random (version 4) UUID in WS-Addressing form.
func newMessageID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("uuid:%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// parseReceive reads a ReceiveResponse strictly (masterzen/winrm's parser
// ignores bad base64 and answers "not done" for any document, which would
// make the client poll a confused server until its deadline): the
// document must be a ReceiveResponse for our command, streams must be
// base64, and the command is done only when the service says so.
func parseReceive(body []byte, cmdID string, stdout, stderr io.Writer) (done bool, exit int, err error) {
	var env struct {
		Body struct {
			Receive *struct {
				Streams []struct {
					Name      string `xml:"Name,attr"`
					CommandID string `xml:"CommandId,attr"`
					Data      string `xml:",chardata"`
				} `xml:"Stream"`
				State *struct {
					CommandID string `xml:"CommandId,attr"`
					State     string `xml:"State,attr"`
					ExitCode  string `xml:"ExitCode"`
				} `xml:"CommandState"`
			} `xml:"ReceiveResponse"`
		} `xml:"Body"`
	}
	if err := xml.Unmarshal(body, &env); err != nil {
		return false, 0, fmt.Errorf("not XML: %v", textsafe.Line(err.Error(), maxQuoted))
	}
	r := env.Body.Receive
	if r == nil {
		return false, 0, errors.New("no ReceiveResponse in the answer")
	}
	for _, st := range r.Streams {
		if st.CommandID != "" && st.CommandID != cmdID {
			return false, 0, fmt.Errorf("output for another command (%q)", textsafe.Line(st.CommandID, maxQuoted))
		}
		data, err := base64.StdEncoding.DecodeString(strings.TrimSpace(st.Data))
		if err != nil {
			return false, 0, fmt.Errorf("%s stream is not base64", textsafe.Line(st.Name, maxQuoted))
		}
		switch st.Name {
		case "stdout":
			_, _ = stdout.Write(data)
		case "stderr":
			_, _ = stderr.Write(data)
		default:
			return false, 0, fmt.Errorf("unexpected stream %q", textsafe.Line(st.Name, maxQuoted))
		}
	}
	if r.State != nil && strings.HasSuffix(r.State.State, "/CommandState/Done") {
		code := strings.TrimSpace(r.State.ExitCode)
		if code == "" {
			return true, 0, nil
		}
		n, err := strconv.ParseInt(code, 10, 64)
		if err != nil {
			return true, 0, fmt.Errorf("exit code %q is not a number", textsafe.Line(code, maxQuoted))
		}
		return true, int(int32(n)), nil
	}
	return false, 0, nil
}

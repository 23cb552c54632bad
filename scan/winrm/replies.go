package winrm

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/patchscan/patchscan/internal/textsafe"
)

// The service's replies are outside data: every parser here is strict (a
// reply that is not what was asked for is an error, not a default), and
// bounded in depth, elements and text, so a hostile reply costs time
// linear in its size, which post already bounds (maxResponseBody).
// masterzen/winrm's ParseOpenShellResponse and ParseExecuteCommandResponse
// built an XPath tree in time quadratic in the nesting depth: 60 KB nested
// 20,000 deep took 26 s, past any per-host timeout, in a goroutine nothing
// could stop (issue 13.2).

// Bounds on a reply, far above what the WinRM service sends (its
// envelopes nest under 10 deep, and one of its 150 KiB holds at most a
// few thousand elements, a Receive a handful).
const (
	maxReplyDepth    = 64
	maxReplyElements = 1 << 13
	maxIDLength      = 64
)

// errBadReply marks a reply that breaks the bounds or the expected shape.
var errBadReply = errors.New("malformed reply")

// walkReply reads body token by token within the bounds, and calls leaf
// for each element that holds text only, with the local names of its
// path from the root and its attributes. Where a value must be (under
// Envelope/Body) is the caller's to check.
func walkReply(body []byte, leaf func(path []string, attrs []xml.Attr, text string)) error {
	d := xml.NewDecoder(bytes.NewReader(body))
	type frame struct {
		name     string
		attrs    []xml.Attr
		text     strings.Builder
		children bool
	}
	var stack []*frame
	var path []string
	elements := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			if len(stack) > 0 || elements == 0 {
				return fmt.Errorf("%w: the document ends early", errBadReply)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: not XML: %v", errBadReply, textsafe.Line(err.Error(), maxQuoted))
		}
		switch t := tok.(type) {
		case xml.StartElement:
			elements++
			switch {
			case elements > maxReplyElements:
				return fmt.Errorf("%w: more than %d elements", errBadReply, maxReplyElements)
			case len(stack) >= maxReplyDepth:
				return fmt.Errorf("%w: nested more than %d deep", errBadReply, maxReplyDepth)
			case len(stack) == 0 && elements > 1:
				return fmt.Errorf("%w: more than one root element", errBadReply)
			}
			if len(stack) > 0 {
				stack[len(stack)-1].children = true
			}
			stack = append(stack, &frame{name: t.Name.Local, attrs: t.Copy().Attr})
			path = append(path, t.Name.Local)
		case xml.CharData:
			if len(stack) > 0 {
				top := stack[len(stack)-1]
				if top.text.Len()+len(t) > maxReplyText {
					return fmt.Errorf("%w: an element holds more than %d bytes of text", errBadReply, maxReplyText)
				}
				top.text.Write(t)
			}
		case xml.EndElement:
			top := stack[len(stack)-1]
			if !top.children {
				leaf(path, top.attrs, top.text.String())
			}
			stack, path = stack[:len(stack)-1], path[:len(path)-1]
		}
	}
}

// maxReplyText bounds one element's text: a Receive stream's base64 fits
// in the service's envelope, well under the response limit.
const maxReplyText = maxResponseBody

// checkReply applies the bounds to a reply that encoding/xml then reads
// into a struct (faults, Receive).
func checkReply(body []byte) error {
	return walkReply(body, func([]string, []xml.Attr, string) {})
}

// parseShellID reads a Create (shell) response: the shell's ID is the
// ShellId selector of Body/ResourceCreated (every WinRM version) and
// Body/Shell/ShellId (WinRM 3.0 and later send both); when both are there
// they must agree.
func parseShellID(body []byte) (string, error) {
	var selector, shell []string
	err := walkReply(body, func(path []string, attrs []xml.Attr, text string) {
		switch {
		case under(path, "Envelope", "Body", "ResourceCreated") && last(path, "SelectorSet", "Selector") && attr(attrs, "Name") == "ShellId":
			selector = append(selector, text)
		case matches(path, "Envelope", "Body", "Shell", "ShellId"):
			shell = append(shell, text)
		}
	})
	if err != nil {
		return "", err
	}
	ids := append(selector, shell...)
	if len(selector) > 1 || len(shell) > 1 || (len(selector) == 1 && len(shell) == 1 && strings.TrimSpace(selector[0]) != strings.TrimSpace(shell[0])) {
		return "", fmt.Errorf("%w: %d shell IDs that differ", errBadReply, len(ids))
	}
	if len(ids) == 0 {
		return "", fmt.Errorf("%w: no shell ID (ResourceCreated ShellId selector or Shell/ShellId)", errBadReply)
	}
	return checkID(ids[0])
}

// parseCommandID reads a Command response: Body/CommandResponse/CommandId.
func parseCommandID(body []byte) (string, error) {
	var ids []string
	err := walkReply(body, func(path []string, _ []xml.Attr, text string) {
		if matches(path, "Envelope", "Body", "CommandResponse", "CommandId") {
			ids = append(ids, text)
		}
	})
	switch {
	case err != nil:
		return "", err
	case len(ids) == 0:
		return "", fmt.Errorf("%w: no CommandResponse/CommandId", errBadReply)
	case len(ids) > 1:
		return "", fmt.Errorf("%w: %d command IDs", errBadReply, len(ids))
	}
	return checkID(ids[0])
}

// checkID accepts an ID the service gives (a GUID) to send back in later
// requests: letters, digits, dashes and braces, bounded.
func checkID(id string) (string, error) {
	id = strings.TrimSpace(id)
	if id == "" || len(id) > maxIDLength {
		return "", fmt.Errorf("%w: an ID of %d bytes", errBadReply, len(id))
	}
	for _, r := range id {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-' || r == '{' || r == '}') {
			return "", fmt.Errorf("%w: the ID %q is not a GUID", errBadReply, textsafe.Line(id, maxQuoted))
		}
	}
	return id, nil
}

// matches reports whether path is exactly want.
func matches(path []string, want ...string) bool {
	return len(path) == len(want) && under(path, want...)
}

// under reports whether path starts with prefix.
func under(path []string, prefix ...string) bool {
	if len(path) < len(prefix) {
		return false
	}
	for i, p := range prefix {
		if path[i] != p {
			return false
		}
	}
	return true
}

// last reports whether path ends with suffix.
func last(path []string, suffix ...string) bool {
	return len(path) >= len(suffix) && under(path[len(path)-len(suffix):], suffix...)
}

func attr(attrs []xml.Attr, name string) string {
	for _, a := range attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

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
	if checkReply(body) != nil {
		return fault{}, false
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
	if err := checkReply(body); err != nil {
		return false, 0, err
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

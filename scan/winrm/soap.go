package winrm

import (
	"crypto/rand"
	"fmt"

	"github.com/masterzen/winrm"
	"github.com/masterzen/winrm/soap"
)

// What patchscan sends as SOAP beyond what masterzen/winrm builds.

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

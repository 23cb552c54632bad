package winrmtest

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/patchscan/patchscan/scan/winrm"
)

func (s *Server) newID() string {
	s.nextID++
	return fmt.Sprintf("%08X-0000-4000-8000-%012X", s.nextID, s.nextID)
}

func (s *Server) create(w http.ResponseWriter, msgID string) {
	s.mu.Lock()
	id := s.newID()
	s.shells[id] = &shell{commands: map[string]*command{}}
	s.stats.ShellsCreated++
	s.mu.Unlock()
	s.reply(w, msgID, "http://schemas.xmlsoap.org/ws/2004/09/transfer/CreateResponse", fmt.Sprintf(
		`<x:ResourceCreated><a:Address>%s</a:Address><a:ReferenceParameters><w:ResourceURI>%s</w:ResourceURI>`+
			`<w:SelectorSet><w:Selector Name="ShellId">%s</w:Selector></w:SelectorSet></a:ReferenceParameters></x:ResourceCreated>`+
			`<rsp:Shell><rsp:ShellId>%s</rsp:ShellId><rsp:ResourceUri>%s</rsp:ResourceUri><rsp:Owner>%s</rsp:Owner>`+
			`<rsp:ClientIP>127.0.0.1</rsp:ClientIP><rsp:IdleTimeOut>PT7200.000S</rsp:IdleTimeOut><rsp:InputStreams>stdin</rsp:InputStreams>`+
			`<rsp:OutputStreams>stdout stderr</rsp:OutputStreams><rsp:ShellRunTime>P0DT0H0M0S</rsp:ShellRunTime><rsp:ShellInactivity>P0DT0H0M0S</rsp:ShellInactivity></rsp:Shell>`,
		esc(s.URL), resourceCmd, id, id, resourceCmd, esc(s.opts.Account.User)))
}

func (s *Server) command(w http.ResponseWriter, msgID string, sh *shell, cl *commandLine) {
	if s.opts.Fault == FaultDeepCommand {
		s.reply(w, msgID, nsShell+"/CommandResponse", deepNest())
		return
	}
	if s.opts.Fault == FaultRedirect {
		w.Header().Set("Location", s.opts.RedirectTo)
		w.WriteHeader(http.StatusTemporaryRedirect)
		return
	}
	if s.opts.Fault == FaultHTTP500 {
		s.fault(w, msgID, "s:Receiver", "w:InternalError", "2147943418",
			"The WS-Management service cannot process the request. The service is configured to not accept any remote shell requests. (winrmtest injected fault)")
		return
	}
	if cl == nil {
		s.fault(w, msgID, "s:Sender", "w:SchemaValidationError", "2150858817", "Command without a CommandLine")
		return
	}
	line := strings.TrimSpace(cl.Command)
	for _, a := range cl.Arguments {
		line += " " + a
	}
	script, err := winrm.DecodeCommandLine(line)
	config := err == nil && script == winrm.ConfigScript()
	if err != nil || (script != winrm.CollectorScript() && !config) {
		// A real host would run anything; this server only knows the
		// collector, so anything else is a test failure made visible.
		s.fault(w, msgID, "s:Receiver", "w:InternalError", "1", "winrmtest: the command is not patchscan's collector")
		return
	}
	s.mu.Lock()
	id := s.newID()
	sh.commands[id] = &command{config: config}
	s.stats.Commands++
	s.mu.Unlock()
	s.reply(w, msgID, nsShell+"/CommandResponse", `<rsp:CommandResponse><rsp:CommandId>`+id+`</rsp:CommandId></rsp:CommandResponse>`)
}

func (s *Server) send(w http.ResponseWriter, ctx context.Context, msgID string, sh *shell, send *sendBody) {
	if send == nil || len(send.Streams) == 0 {
		s.fault(w, msgID, "s:Sender", "w:SchemaValidationError", "2150858817", "Send without a stream")
		return
	}
	for _, st := range send.Streams {
		s.mu.Lock()
		c := sh.commands[st.CommandID]
		s.mu.Unlock()
		if c == nil || st.Name != "stdin" || c.ended {
			s.fault(w, msgID, "s:Sender", "w:InvalidSelectors", "2150858843", "no such command, or its input is closed")
			return
		}
		data, err := base64.StdEncoding.DecodeString(strings.TrimSpace(st.Data))
		if err != nil || c.stdin.Len()+len(data) > 64<<20 {
			s.fault(w, msgID, "s:Sender", "w:SchemaValidationError", "2150858817", "bad or oversized stdin")
			return
		}
		c.stdin.Write(data)
		if st.End == "true" || st.End == "1" {
			c.ended = true
			s.run(ctx, c)
		}
	}
	s.reply(w, msgID, nsShell+"/SendResponse", `<rsp:SendResponse/>`)
}

// run "executes" the collector: decode its stdin, ask the fixture host,
// print the answers as the script would, then apply the fault.
func (s *Server) run(ctx context.Context, c *command) {
	decode, encode := winrm.DecodeRequests, winrm.EncodeOutput
	if c.config { // the configuration collector (issue 16)
		decode, encode = winrm.DecodeConfigRequests, winrm.EncodeConfigOutput
	}
	reqs, err := decode(c.stdin.Bytes())
	if err != nil {
		c.stdout, c.stderr, c.exit = []byte("PSCAN-BADINPUT\r\n"), []byte(err.Error()), 3
		return
	}
	s.mu.Lock()
	s.stats.Batches = append(s.stats.Batches, reqs)
	s.mu.Unlock()
	answers, err := s.opts.Host.Facts(ctx, reqs)
	if err == nil && len(answers) != len(reqs) {
		err = fmt.Errorf("fixture host gave %d answers for %d requests", len(answers), len(reqs))
	}
	if err != nil {
		c.stderr, c.exit = []byte("winrmtest fixture host: "+err.Error()), 1
		return
	}
	c.stdout = encode(reqs, answers)
	switch s.opts.Fault {
	case FaultTruncated:
		c.stdout = c.stdout[:len(c.stdout)*2/3]
	case FaultGarbage:
		c.stdout = []byte("Windows PowerShell\r\nCopyright (C) Microsoft Corporation.\r\nPS C:\\> \x00\xff\r\n")
	case FaultHuge:
		c.endless = true
	}
}

func (s *Server) receive(w http.ResponseWriter, ctx context.Context, msgID string, sh *shell, rcv *receiveBody) {
	if rcv == nil {
		s.fault(w, msgID, "s:Sender", "w:SchemaValidationError", "2150858817", "Receive without a body")
		return
	}
	id := rcv.DesiredStream.CommandID
	s.mu.Lock()
	c := sh.commands[id]
	s.mu.Unlock()
	if c == nil {
		s.fault(w, msgID, "s:Sender", "w:InvalidSelectors", "2150858843", "no such command")
		return
	}
	timedOut := func() {
		s.fault(w, msgID, "s:Receiver", "w:TimedOut", "2150858793", "The WS-Management service cannot complete the operation within the time specified in OperationTimeout.")
	}
	if s.opts.Fault == FaultSlow {
		select {
		case <-time.After(s.opts.Delay):
		case <-ctx.Done():
			return
		}
		if !c.slowed {
			c.slowed = true
			timedOut()
			return
		}
	}
	if s.opts.Fault == FaultBadSOAP {
		w.Header().Set("Content-Type", "application/soap+xml;charset=UTF-8")
		io.WriteString(w, `<html><body>Proxy error</body></html>`)
		return
	}
	if !c.ended {
		// The process is waiting for its input: nothing to say yet.
		timedOut()
		return
	}
	var b strings.Builder
	b.WriteString(`<rsp:ReceiveResponse>`)
	stream := func(name string, data []byte, end bool) {
		fmt.Fprintf(&b, `<rsp:Stream Name="%s" CommandId="%s"`, name, id)
		if end {
			b.WriteString(` End="true"`)
		}
		b.WriteString(`>` + base64.StdEncoding.EncodeToString(data) + `</rsp:Stream>`)
	}
	if c.endless {
		junk := bytes.Repeat([]byte("0 ok 1 AAAA\r\n"), s.opts.ChunkSize/13+1)
		stream("stdout", junk, false)
		fmt.Fprintf(&b, `<rsp:CommandState CommandId="%s" State="%s"/></rsp:ReceiveResponse>`, id, stateRun)
		s.reply(w, msgID, nsShell+"/ReceiveResponse", b.String())
		return
	}
	end := min(c.off+s.opts.ChunkSize, len(c.stdout))
	chunk := c.stdout[c.off:end]
	c.off = end
	last := end == len(c.stdout)
	if len(chunk) > 0 {
		stream("stdout", chunk, false)
	}
	if last {
		stream("stdout", nil, true)
		if len(c.stderr) > 0 {
			stream("stderr", c.stderr, false)
		}
		stream("stderr", nil, true)
		fmt.Fprintf(&b, `<rsp:CommandState CommandId="%s" State="%s"><rsp:ExitCode>%d</rsp:ExitCode></rsp:CommandState>`, id, stateDone, c.exit)
	} else {
		fmt.Fprintf(&b, `<rsp:CommandState CommandId="%s" State="%s"/>`, id, stateRun)
	}
	b.WriteString(`</rsp:ReceiveResponse>`)
	s.reply(w, msgID, nsShell+"/ReceiveResponse", b.String())
}

// deepNest is DeepNesting unclosed elements: 60 KB that no parser should
// spend more than a moment on.
func deepNest() string { return strings.Repeat("<a>", DeepNesting) }

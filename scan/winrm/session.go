package winrm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/masterzen/winrm"
	"github.com/patchscan/patchscan/facts"
	"github.com/patchscan/patchscan/internal/textsafe"
	"github.com/patchscan/patchscan/scan/hint"
	"github.com/patchscan/patchscan/scan/transport"
)

// session is one host's WinRM shell.
type session struct {
	cfg      Config
	name     string
	url      string
	port     int
	creds    transport.Credentials
	client   *http.Client
	ht       *http.Transport
	params   *winrm.Parameters
	exchange time.Duration // bound on one HTTP exchange

	mu      sync.Mutex
	shellID string // "" once deleted
	err     error  // sticky host-level failure
}

// TransportName says which transport answered (see transport.Named).
func (s *session) TransportName() string { return "winrm" }

func (s *session) hostErr(kind transport.Outcome, op string, err error, advice string, hints ...hint.Hint) error {
	return hint.With(&transport.Error{Outcome: kind, Host: s.name, Op: op, Err: err, Hint: advice}, hints...)
}

func (s *session) createShell(ctx context.Context) error {
	resp, err := s.post(ctx, winrm.NewOpenShellRequest(s.url, s.params), "create shell")
	if err != nil {
		return err
	}
	id, err := parseShellID([]byte(resp))
	if err != nil {
		return s.hostErr(transport.Failed, "create shell", fmt.Errorf("no shell ID in the service's answer: %w", err), "")
	}
	s.shellID = id
	return nil
}

// Close deletes the remote shell (if an error has not already) and drops
// the connection. A failed delete is reported: the shell then lingers on
// the host until its idle timeout.
func (s *session) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.deleteShell(context.Background())
	if s.err == nil {
		s.err = errors.New("session closed")
	}
	s.ht.CloseIdleConnections()
	return err
}

// deleteShell runs on a context of its own: it must happen even when the
// scan's context is what ended the session.
func (s *session) deleteShell(parent context.Context) error {
	if s.shellID == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), cleanupTimeout)
	defer cancel()
	_, err := s.post(ctx, winrm.NewDeleteShellRequest(s.url, s.shellID, s.params), "delete shell")
	s.shellID = ""
	return err
}

// Facts sends the batch as one command and parses its output. A host-level
// failure deletes the shell immediately and sticks: later calls return it.
func (s *session) Facts(ctx context.Context, reqs []facts.Request) ([]facts.Answer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	answers := make([]facts.Answer, len(reqs))
	// Registry and file facts go to the registry collector, configuration
	// facts (configcollector.go) to the configuration collector: one
	// command each, only for the kinds the batch has.
	for _, c := range []collector{registryCollector, configCollector} {
		if err := s.run(ctx, c, reqs, answers); err != nil {
			s.err = err
			_ = s.deleteShell(ctx) // the host-level error is what matters
			s.ht.CloseIdleConnections()
			return nil, err
		}
	}
	return answers, nil
}

// collector is one of the two PowerShell commands: which requests it
// answers, how they are encoded, the command and its output's parser.
type collector struct {
	wants   func(facts.Request) bool
	encode  func([]facts.Request) ([]byte, []int, []facts.Answer)
	command func() string
	parse   func([]byte, []facts.Request, int) ([]facts.Answer, error)
}

var (
	registryCollector = collector{
		wants:  func(r facts.Request) bool { return !isConfigKind(r.Kind) },
		encode: EncodeRequests, command: CommandLine, parse: ParseOutput,
	}
	configCollector = collector{
		wants:  func(r facts.Request) bool { return isConfigKind(r.Kind) },
		encode: EncodeConfigRequests, command: ConfigCommandLine, parse: ParseConfigOutput,
	}
)

// run answers the requests of reqs that c takes, into answers.
func (s *session) run(ctx context.Context, c collector, reqs []facts.Request, answers []facts.Answer) error {
	var idx []int
	var mine []facts.Request
	for i, r := range reqs {
		if c.wants(r) {
			idx, mine = append(idx, i), append(mine, r)
		}
	}
	if len(mine) == 0 {
		return nil
	}
	data, sent, local := c.encode(mine)
	for i, a := range local {
		answers[idx[i]] = a
	}
	if len(sent) == 0 {
		return nil
	}
	sentReqs := make([]facts.Request, len(sent))
	for i, j := range sent {
		sentReqs[i] = mine[j]
	}
	got, err := s.collect(ctx, c, data, sentReqs)
	if err != nil {
		return err
	}
	for i, j := range sent {
		answers[idx[j]] = got[i]
	}
	return nil
}

// collect runs the collector once: start it, feed it the requests, read
// its output, and parse the answers.
func (s *session) collect(ctx context.Context, c collector, stdin []byte, reqs []facts.Request) ([]facts.Answer, error) {
	cmdID, err := s.startCollector(ctx, c.command())
	if err != nil {
		return nil, err
	}
	// Terminate the command whatever happens; after it finished this is
	// the usual clean-up, before that it stops the remote process.
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		_, _ = s.post(sctx, winrm.NewSignalRequest(s.url, s.shellID, cmdID, s.params), "signal command")
	}()
	if err := s.sendInput(ctx, cmdID, stdin); err != nil {
		return nil, err
	}
	maxOut := s.cfg.MaxOutput
	if maxOut <= 0 {
		maxOut = DefaultMaxOutput
	}
	stdout := &limitBuffer{max: maxOut}
	stderr := &limitBuffer{max: maxStderr}
	exit, err := s.receiveOutput(ctx, cmdID, stdout, stderr)
	if err != nil {
		return nil, err
	}
	answers, err := c.parse(stdout.Bytes(), reqs, maxOut)
	if err != nil {
		if exit != 0 || stderr.Len() > 0 {
			err = fmt.Errorf("%w (powershell exit code %d, stderr: %q)", err, exit, textsafe.Line(stderr.String(), maxQuoted))
		}
		return nil, s.hostErr(transport.Failed, "read collector output", err,
			"the collector needs Windows PowerShell 2.0 or later on the host")
	}
	return answers, nil
}

// startCollector starts the collector's command and returns its ID.
func (s *session) startCollector(ctx context.Context, command string) (string, error) {
	resp, err := s.post(ctx, newCommandRequest(s.url, s.shellID, command, s.params), "run collector")
	if err != nil {
		return "", err
	}
	cmdID, err := parseCommandID([]byte(resp))
	if err != nil {
		return "", s.hostErr(transport.Failed, "run collector", fmt.Errorf("no command ID in the service's answer: %w", err), "")
	}
	return cmdID, nil
}

// sendInput sends the request block as the command's stdin, in chunks
// that fit the envelope, the last one closing it.
func (s *session) sendInput(ctx context.Context, cmdID string, stdin []byte) error {
	for off := 0; ; off += stdinChunk {
		end := min(off+stdinChunk, len(stdin))
		last := end == len(stdin)
		if _, err := s.post(ctx, winrm.NewSendInputRequest(s.url, s.shellID, cmdID, stdin[off:end], last, s.params), "send requests"); err != nil {
			return err
		}
		if last {
			return nil
		}
	}
}

// receiveOutput reads the command's output until the service says it is
// done, and returns its exit code.
func (s *session) receiveOutput(ctx context.Context, cmdID string, stdout, stderr *limitBuffer) (exit int, err error) {
	for {
		resp, err := s.post(ctx, winrm.NewGetOutputRequest(s.url, s.shellID, cmdID, "stdout stderr", s.params), "receive output")
		if errors.Is(err, errOperationTimeout) {
			continue // no output within OperationTimeout: ask again (ctx bounds the wait)
		}
		if err != nil {
			return 0, err
		}
		done, code, err := parseReceive([]byte(resp), cmdID, stdout, stderr)
		if err != nil {
			return code, s.hostErr(transport.Failed, "receive output", fmt.Errorf("unreadable Receive response: %w", err), "")
		}
		if stdout.over {
			return code, s.hostErr(transport.Failed, "receive output",
				fmt.Errorf("%w: more than %d bytes of output", ErrBadOutput, stdout.max),
				"the host answered far more than the collector prints; check what runs as powershell.exe there")
		}
		if done {
			return code, nil
		}
	}
}

// limitBuffer keeps at most max bytes and notes that more arrived.
type limitBuffer struct {
	bytes.Buffer
	max  int
	over bool
}

func (b *limitBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); len(p) > room {
		b.over = true
		if room > 0 {
			b.Buffer.Write(p[:room])
		}
		return len(p), nil
	}
	return b.Buffer.Write(p)
}

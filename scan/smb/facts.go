package smb

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"unicode/utf16"

	smb2 "github.com/cloudsoda/go-smb2"

	"github.com/patchscan/patchscan/facts"
	"github.com/patchscan/patchscan/internal/msrpc"
	"github.com/patchscan/patchscan/internal/pe"
	"github.com/patchscan/patchscan/internal/rrp"
	"github.com/patchscan/patchscan/scan/hint"
	"github.com/patchscan/patchscan/scan/transport"
)

// Facts answers a batch: registry facts one after another over the winreg
// pipe (one RPC call at a time is all a pipe carries) while file facts run
// concurrently, at most FileConcurrency at once, on the same SMB session.
func (s *session) Facts(ctx context.Context, reqs []facts.Request) ([]facts.Answer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Cancellation closes the connection: every outstanding request fails
	// at once instead of waiting for a reply.
	stop := context.AfterFunc(ctx, func() { s.conn.Close() })
	defer stop()
	w := newWatchdog(s.timeout, func() { s.conn.Close() })
	defer w.stop()

	answers := make([]facts.Answer, len(reqs))
	var wg sync.WaitGroup
	for i, r := range reqs {
		switch r.Kind {
		case facts.FactFile:
			wg.Go(func() {
				s.sem <- struct{}{}
				defer func() { <-s.sem }()
				if ctx.Err() != nil {
					answers[i].Err = ctx.Err()
					return
				}
				answers[i] = s.file(ctx, r, w)
			})
		case facts.FactRegKey, facts.FactRegValue:
		default:
			if !isConfigFact(r.Kind) {
				answers[i].Err = fmt.Errorf("unsupported fact kind %v", r.Kind)
			}
		}
	}
	// Configuration facts (config.go) run beside the registry reads,
	// which also read the services' Start values for them.
	if cfg := s.startConfig(ctx, reqs, w); cfg != nil {
		all := append(append([]facts.Request(nil), reqs...), cfg.startReqs...)
		allAnswers := make([]facts.Answer, len(all))
		s.registry(ctx, all, allAnswers, w)
		copyRegistry(answers, allAnswers, reqs)
		cfg.finish(answers, allAnswers[len(reqs):])
	} else {
		s.registry(ctx, reqs, answers, w)
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// A broken connection, a server that broke the protocol, a winreg
	// pipe that died or admin shares refused are the host's failure, not
	// the facts': the facts not read would otherwise show as verdicts of
	// "error" on a host that looks scanned.
	if v := s.conn.violation(); v != nil {
		return nil, &transport.Error{Outcome: transport.Failed, Host: s.host, Op: "read facts", Err: v, Hint: hintNotSMB}
	}
	for _, a := range answers {
		var te *transport.Error
		if errors.As(a.Err, &te) {
			return nil, te
		}
		if a.Err != nil && connectionLost(a.Err) {
			return nil, hint.With(&transport.Error{Outcome: transport.Unreachable, Host: s.host, Op: "read facts", Err: a.Err,
				Hint: "the connection to the host broke or timed out: check the network"}, hint.RaiseTimeout)
		}
	}
	for _, a := range answers {
		if errors.Is(a.Err, errPipeBroken) {
			return nil, hint.With(&transport.Error{Outcome: transport.Failed, Host: s.host, Op: "read the registry", Err: a.Err,
				Hint: "the Remote Registry service stopped or crashed during the scan: scan the host again"}, hint.TryWinRM)
		}
	}
	return answers, nil
}

// copyRegistry copies the registry answers of reqs from all.
func copyRegistry(answers, all []facts.Answer, reqs []facts.Request) {
	for i, r := range reqs {
		if r.Kind == facts.FactRegKey || r.Kind == facts.FactRegValue {
			answers[i] = all[i]
		}
	}
}

func connectionLost(err error) bool {
	var te *smb2.TransportError
	return errors.As(err, &te) || errors.Is(err, errConnLost)
}

var errConnLost = errors.New("SMB connection lost")

// errPipeBroken marks a registry request that failed because its winreg
// pipe failed under it (the RPC association is gone), not because of the
// key or value: access denied on one value stays that value's error.
var errPipeBroken = errors.New("winreg pipe broke")

// deniedError keeps a refusal's own text and makes it match both its cause
// and facts.ErrAccessDenied.
type deniedError struct{ err error }

func (e deniedError) Error() string   { return e.err.Error() }
func (e deniedError) Unwrap() []error { return []error{e.err, facts.ErrAccessDenied} }

func regAnswer(err error) facts.Answer {
	switch {
	case err == nil:
		return facts.Answer{Found: true}
	case errors.Is(err, rrp.ErrNotFound):
		return facts.Answer{}
	}
	return facts.Answer{Err: err}
}

// splitHKLM turns "HKLM\SOFTWARE\X" into "SOFTWARE\X".
func splitHKLM(key string) (string, error) {
	k := strings.Trim(key, `\`)
	upper := strings.ToUpper(k)
	for _, p := range []string{"HKLM", "HKEY_LOCAL_MACHINE"} {
		if upper == p {
			return "", nil
		}
		if strings.HasPrefix(upper, p+`\`) {
			return strings.Trim(k[len(p)+1:], `\`), nil
		}
	}
	return "", fmt.Errorf("registry key %q: only HKLM is read remotely", key)
}

// regErr says what failed. The server's access denied (rrp.ErrAccessDenied)
// also matches facts.ErrAccessDenied, which is what the engine and the run
// look for.
func regErr(err error, what string) error {
	switch {
	case errors.Is(err, rrp.ErrAccessDenied):
		return fmt.Errorf("%s: %w", what, deniedError{err})
	case isConnErr(err):
		return fmt.Errorf("%s: %w: %v", what, errConnLost, err)
	case errors.Is(err, msrpc.ErrBroken):
		return fmt.Errorf("%s: %w: %v", what, errPipeBroken, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

func isConnErr(err error) bool {
	var te *smb2.TransportError
	return errors.As(err, &te) || errors.Is(err, errConnLost) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, os.ErrClosed)
}

// systemRoot is the host's %SystemRoot% from its registry (cached like any
// value), used to serve files under it from ADMIN$.
func (s *session) systemRoot(ctx context.Context, w *watchdog) string {
	typ, data, err := s.value(ctx, `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion`, "SystemRoot", w)
	if err != nil || (typ != uint32(facts.RegSZ) && typ != uint32(facts.RegExpandSZ)) {
		return ""
	}
	return strings.TrimRight(utf16String(data), `\`)
}

func utf16String(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
	}
	for len(u) > 0 && u[len(u)-1] == 0 {
		u = u[:len(u)-1]
	}
	return string(utf16.Decode(u))
}

// sharePath maps a resolved Windows path to an admin share and a path in
// it: under %SystemRoot% to ADMIN$, else X:\... to X$.
func sharePath(path, systemRoot string) (share, rel string, err error) {
	p := strings.ReplaceAll(path, "/", `\`)
	if systemRoot != "" && len(p) > len(systemRoot) && strings.EqualFold(p[:len(systemRoot)], systemRoot) && p[len(systemRoot)] == '\\' {
		return "ADMIN$", strings.TrimLeft(p[len(systemRoot):], `\`), nil
	}
	if len(p) >= 3 && p[1] == ':' && p[2] == '\\' && isLetter(p[0]) {
		rel := strings.TrimLeft(p[3:], `\`)
		if rel == "" {
			return "", "", fmt.Errorf("file path %q names a drive, not a file", path)
		}
		return strings.ToUpper(p[:1]) + "$", rel, nil
	}
	return "", "", fmt.Errorf("file path %q is not an absolute drive path (C:\\...)", path)
}

// systemDrive is the drive share of %SystemRoot% ("C$"), or "C$" when it
// is unknown.
func systemDrive(root string) string {
	if len(root) >= 2 && root[1] == ':' && isLetter(root[0]) {
		return strings.ToUpper(root[:1]) + "$"
	}
	return "C$"
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func (s *session) mount(name string) (*smb2.Share, error) {
	s.shareMu.Lock()
	e, ok := s.shares[name]
	if !ok {
		e = &shareEntry{}
		s.shares[name] = e
	}
	s.shareMu.Unlock()
	e.once.Do(func() {
		e.share, e.err = s.sess.Mount(name)
		if e.err != nil {
			if errors.Is(e.err, os.ErrPermission) {
				e.err = fmt.Errorf("connect to share %s: %w (%v): the account must be an administrator of the host", name, facts.ErrAccessDenied, e.err)
			} else {
				e.err = fmt.Errorf("connect to share %s: %w", name, e.err)
			}
		}
	})
	return e.share, e.err
}

const (
	// wholeFileLimit: files up to this size are read whole, once, when
	// their hash is wanted.
	wholeFileLimit = 1 << 20
	hashBuffer     = 1 << 20
)

// file reads one file's size and PE version (and SHA-256 when asked).
func (s *session) file(ctx context.Context, r facts.Request, w *watchdog) facts.Answer {
	root := s.systemRoot(ctx, w)
	shareName, rel, err := sharePath(r.Path, root)
	if err != nil {
		return facts.Answer{Err: err}
	}
	share, err := s.mount(shareName)
	w.kick()
	if err != nil {
		if errors.Is(err, facts.ErrAccessDenied) && (shareName == "ADMIN$" || shareName == systemDrive(root)) {
			// Without the admin shares no file can be checked: the
			// account is not an administrator. That is the host's status.
			return facts.Answer{Err: &transport.Error{Outcome: transport.AccessDenied, Host: s.host, Op: "connect to " + shareName,
				Err: facts.ErrAccessDenied, Hint: fmt.Sprintf(`the account must be an administrator of the host (check with: net use \\%s\%s)`, s.host, shareName)}}
		}
		return facts.Answer{Err: err}
	}
	where := `\\` + s.host + `\` + shareName + `\` + rel
	f, err := share.Open(rel)
	w.kick()
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return facts.Answer{}
		}
		return facts.Answer{Err: fileErr(where, "open", err)}
	}
	// Closing costs a round trip nobody needs to wait for.
	defer s.bgGo(func() { _ = f.Close() })
	size, head, err := sizeAndHead(f, w, r.SHA256)
	if err != nil {
		if st, serr := share.Stat(rel); serr == nil && st.IsDir() {
			return facts.Answer{Err: fmt.Errorf("%s is a directory, not a file", where)}
		}
		return facts.Answer{Err: fileErr(where, "read", err)}
	}
	info := facts.FileInfo{Size: size}
	var ra io.ReaderAt = &prefixReader{head: head, r: kicker{f, w}}
	var sum []byte
	if r.SHA256 && size <= wholeFileLimit {
		// The hash needs every byte anyway: one read serves both.
		buf := make([]byte, size)
		if _, err := ra.ReadAt(buf, 0); err != nil && !(errors.Is(err, io.EOF) && len(buf) > 0) {
			return facts.Answer{Err: fileErr(where, "read", err)}
		}
		h := sha256.Sum256(buf)
		sum = h[:]
		ra = bytes.NewReader(buf)
	}
	v, err := pe.ReadVersion(ra, size)
	switch {
	case err == nil:
		info.Version, info.StringVersion = v.FileVersion, v.StringFileVersion
	case errors.Is(err, pe.ErrNoVersion), errors.Is(err, pe.ErrNotPE):
		// Found, without a version: the engine decides what that means.
	case errors.Is(err, pe.ErrMalformed):
		return facts.Answer{Err: fmt.Errorf("%s: %w", where, err)}
	default:
		return facts.Answer{Err: fileErr(where, "read", err)}
	}
	if r.SHA256 && sum == nil {
		h := sha256.New()
		// The head is already here: hash it and read only the rest.
		start := min(int64(len(head)), size)
		h.Write(head[:start])
		// Large reads: go-smb2 splits them into the server's maximum read
		// size, so a 30 MB file costs tens of round trips, not a thousand.
		buf := make([]byte, hashBuffer)
		if _, err := io.CopyBuffer(h, io.NewSectionReader(kicker{f, w}, start, size-start), buf); err != nil {
			return facts.Answer{Err: fileErr(where, "hash", err)}
		}
		sum = h.Sum(nil)
	}
	if sum != nil {
		info.SHA256 = hex.EncodeToString(sum)
	}
	return facts.Answer{Found: true, File: info}
}

// headSize is what is read of every file before its size is known: the
// PE reader's first read (DOS and PE headers, section table), or with a
// checksum asked for, the whole of most small files in one credit.
const (
	headSize     = 4096
	headSizeHash = 64 << 10
)

// sizeAndHead learns the file's size and reads its first bytes at once:
// the size query (FileStandardInformation, one credit) and the read go out
// together, so the size costs no round trip of its own.
//
// File.Stat is not used: go-smb2 asks it for an output buffer as large as
// the maximum transaction size (1 MiB, 16 credits) and, when fewer credits
// are free because other requests of the session hold them, sends it with
// the smaller charge anyway; the server rejects that with
// STATUS_INVALID_PARAMETER ("CreditCharge too low" in Samba's log), so
// files failed under concurrency. The size the CREATE response carries is
// not exposed by go-smb2.
func sizeAndHead(f *smb2.File, w *watchdog, hash bool) (int64, []byte, error) {
	n := headSize
	if hash {
		n = headSizeHash
	}
	head := make([]byte, n)
	type result struct {
		n   int
		err error
	}
	done := make(chan result, 1)
	go func() {
		m, err := f.ReadAt(head, 0)
		w.kick()
		done <- result{m, err}
	}()
	size, err := f.Seek(0, io.SeekEnd)
	w.kick()
	rd := <-done
	if err != nil {
		return 0, nil, err
	}
	if rd.err != nil && !errors.Is(rd.err, io.EOF) {
		return 0, nil, rd.err
	}
	if size < 0 {
		return 0, nil, fmt.Errorf("server reports a negative file size %d", size)
	}
	// A file that grew or shrank between the two: trust the size, and
	// the head only as far as both agree.
	return size, head[:min(int64(rd.n), size)], nil
}

// prefixReader serves reads from the bytes already read at offset 0 and
// goes to the file for the rest.
type prefixReader struct {
	head []byte
	r    io.ReaderAt
}

func (p *prefixReader) ReadAt(b []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("negative offset %d", off)
	}
	n := 0
	if off < int64(len(p.head)) {
		n = copy(b, p.head[off:])
		if n == len(b) {
			return n, nil
		}
	}
	m, err := p.r.ReadAt(b[n:], off+int64(n))
	return n + m, err
}

func fileErr(where, op string, err error) error {
	switch {
	case errors.Is(err, os.ErrPermission):
		return fmt.Errorf("%s %s: %w", op, where, facts.ErrAccessDenied)
	case isConnErr(err):
		return fmt.Errorf("%s %s: %w: %v", op, where, errConnLost, err)
	}
	return fmt.Errorf("%s %s: %w", op, where, err)
}

// kicker resets the watchdog after every read that completes.
type kicker struct {
	r io.ReaderAt
	w *watchdog
}

func (k kicker) ReadAt(p []byte, off int64) (int, error) {
	n, err := k.r.ReadAt(p, off)
	k.w.kick()
	return n, err
}

package smb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	smb2 "github.com/cloudsoda/go-smb2"

	"github.com/patchscan/patchscan/facts"
	"github.com/patchscan/patchscan/internal/msrpc"
	"github.com/patchscan/patchscan/internal/rrp"
)

// regPipe is one \PIPE\winreg instance: its own RPC association, so its
// own key handles.
type regPipe struct {
	f    *smb2.File
	c    *rrp.Client
	hklm rrp.Handle
	keys map[string]keyEntry // by case-folded path under HKLM
}

// openPipe opens a winreg pipe, binds the interface and opens HKLM. It
// names the step that failed for the operator.
func (s *session) openPipe(ipc *smb2.Share, opened func()) (*regPipe, string, error) {
	f, err := ipc.OpenFile("winreg", os.O_RDWR, 0)
	if err != nil {
		return nil, opOpenPipe, err
	}
	if opened != nil {
		opened()
	}
	// The set-up's deadline and cancellation close the connection (Open),
	// which ends these calls too.
	ctx := context.Background()
	c, err := rrp.Bind(ctx, &pipeIO{f: f, s: s}, msrpc.Options{})
	if err != nil {
		f.Close()
		return nil, "bind winreg", err
	}
	h, err := c.OpenLocalMachine(ctx)
	if err != nil {
		f.Close()
		return nil, opOpenHKLM, err
	}
	return &regPipe{f: f, c: c, hklm: h, keys: map[string]keyEntry{}}, "", nil
}

// pipeIO is a winreg pipe as msrpc sees it. Its Transceive sends the
// SMB2 WRITE of a request and the READ of the reply back to back, without
// waiting for the WRITE's response: the server holds the READ pending
// until the reply is in the pipe ([MS-SMB2] 3.3.5.12: a read on a named
// pipe with no data waits), so an RPC call costs one round trip, not two.
// go-smb2 does not expose FSCTL_PIPE_TRANSCEIVE, which would do the same
// in one request.
type pipeIO struct {
	f *smb2.File
	s *session
}

func (p *pipeIO) Write(b []byte) (int, error) { return p.f.Write(b) }

// Read uses ReadAt: File.Read holds the file's lock, which would keep a
// pipelined write and read apart. A pipe has no offset.
func (p *pipeIO) Read(b []byte) (int, error) { return p.f.ReadAt(b, 0) }

func (p *pipeIO) Transceive(req, resp []byte) (int, error) {
	type result struct {
		n   int
		err error
	}
	done := make(chan result, 1)
	// The session tracks the read so Close waits for it; a read that is
	// never answered ends when the connection is closed.
	if !p.s.bgGo(func() {
		n, err := p.f.ReadAt(resp, 0)
		done <- result{n, err}
	}) {
		return 0, fmt.Errorf("%w: the session is closed", errConnLost)
	}
	if _, err := p.f.Write(req); err != nil {
		// The pending read fails with the connection or is answered
		// with whatever the server makes of the broken pipe; nobody
		// waits for it.
		return 0, err
	}
	r := <-done
	return r.n, r.err
}

func (s *session) addPipe(p *regPipe) {
	// The channel holds every pipe ever added (capacity = the maximum), so
	// this never blocks.
	s.pipes <- p
}

// takePipe waits for an idle pipe.
func (s *session) takePipe(ctx context.Context) (*regPipe, error) {
	select {
	case p := <-s.pipes:
		return p, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// openKey opens a key on this pipe once; the handle (or the key's absence)
// is cached for the session.
func (p *regPipe) openKey(ctx context.Context, sub string, w *watchdog) (rrp.Handle, error) {
	if sub == "" {
		return p.hklm, nil
	}
	id := strings.ToLower(sub)
	if e, ok := p.keys[id]; ok {
		return e.h, e.err
	}
	h, err := p.c.OpenKey(ctx, p.hklm, sub)
	w.kick()
	if err != nil && !errors.Is(err, rrp.ErrNotFound) {
		err = regErr(err, `open key HKLM\`+sub)
		if isConnErr(err) || errors.Is(err, errPipeBroken) {
			return h, err // not cached: the session or this pipe is over anyway
		}
	}
	p.keys[id] = keyEntry{h: h, err: err}
	return h, err
}

// regUnit is a share of the registry work of one batch that one pipe
// does in sequence: open one key, answer its existence requests and query
// some of its values.
type regUnit struct {
	sub    string // path under HKLM
	key    string // as requested, for messages
	exists []int  // request indexes: FactRegKey
	values []int  // request indexes: FactRegValue
}

// planRegistry groups a batch's registry requests by key and cuts them into
// units so that the pipes finish at about the same time: a key with many
// values is split over several pipes (each opens the key: one call more,
// but in parallel).
func planRegistry(reqs []facts.Request, pipes int) ([]regUnit, map[int]error) {
	bad := map[int]error{}
	var order []string
	groups := map[string]*regUnit{}
	nvalues := 0
	for i, r := range reqs {
		if r.Kind != facts.FactRegKey && r.Kind != facts.FactRegValue {
			continue
		}
		sub, err := splitHKLM(r.Key)
		if err != nil {
			bad[i] = err
			continue
		}
		id := strings.ToLower(sub)
		g := groups[id]
		if g == nil {
			g = &regUnit{sub: sub, key: r.Key}
			groups[id] = g
			order = append(order, id)
		}
		if r.Kind == facts.FactRegKey {
			g.exists = append(g.exists, i)
		} else {
			g.values = append(g.values, i)
			nvalues++
		}
	}
	per := max(1, (nvalues+pipes-1)/pipes)
	var units []regUnit
	for _, id := range order {
		g := groups[id]
		if len(g.values) == 0 {
			units = append(units, *g)
			continue
		}
		for start := 0; start < len(g.values); start += per {
			u := regUnit{sub: g.sub, key: g.key, values: g.values[start:min(start+per, len(g.values))]}
			if start == 0 {
				u.exists = g.exists
			}
			units = append(units, u)
		}
	}
	return units, bad
}

// registry answers the batch's registry requests over the pipes.
func (s *session) registry(ctx context.Context, reqs []facts.Request, answers []facts.Answer, w *watchdog) {
	units, bad := planRegistry(reqs, cap(s.pipes))
	for i, err := range bad {
		answers[i].Err = err
	}
	var wg sync.WaitGroup
	for _, u := range units {
		wg.Go(func() {
			p, err := s.takePipe(ctx)
			if err != nil {
				for _, i := range append(u.exists, u.values...) {
					answers[i].Err = err
				}
				return
			}
			defer s.addPipe(p)
			h, kerr := p.openKey(ctx, u.sub, w)
			for _, i := range u.exists {
				answers[i] = regAnswer(kerr)
			}
			for _, i := range u.values {
				if kerr != nil {
					answers[i] = regAnswer(kerr)
					continue
				}
				typ, data, err := s.query(ctx, p, h, reqs[i].Key, reqs[i].Name, w)
				answers[i] = regAnswer(err)
				if err == nil {
					answers[i].Value = facts.RegValue{Type: facts.ValueType(typ), Data: data}
				}
			}
		})
	}
	wg.Wait()
}

// query reads a value through pipe p and caches it for the session.
func (s *session) query(ctx context.Context, p *regPipe, h rrp.Handle, key, name string, w *watchdog) (uint32, []byte, error) {
	typ, data, err := p.c.QueryValue(ctx, h, name)
	w.kick()
	if err != nil && !errors.Is(err, rrp.ErrNotFound) {
		err = regErr(err, fmt.Sprintf("read value %q of %s", name, key))
	}
	if err == nil || errors.Is(err, rrp.ErrNotFound) {
		s.valMu.Lock()
		s.values[valueID(key, name)] = valueEntry{typ: typ, data: data, err: err}
		s.valMu.Unlock()
	}
	return typ, data, err
}

func valueID(key, name string) string {
	sub, _ := splitHKLM(key)
	return strings.ToLower(sub) + "\x00" + strings.ToLower(name)
}

// value reads one value outside a batch (the file reader's %SystemRoot%),
// from the cache when the batch already read it.
func (s *session) value(ctx context.Context, key, name string, w *watchdog) (uint32, []byte, error) {
	s.valMu.Lock()
	v, ok := s.values[valueID(key, name)]
	s.valMu.Unlock()
	if ok {
		return v.typ, v.data, v.err
	}
	sub, err := splitHKLM(key)
	if err != nil {
		return 0, nil, err
	}
	p, err := s.takePipe(ctx)
	if err != nil {
		return 0, nil, err
	}
	defer s.addPipe(p)
	h, err := p.openKey(ctx, sub, w)
	if err != nil {
		return 0, nil, err
	}
	return s.query(ctx, p, h, key, name, w)
}

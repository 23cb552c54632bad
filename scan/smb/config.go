package smb

import (
	"context"

	"errors"
	"fmt"
	smb2 "github.com/cloudsoda/go-smb2"
	"os"
	"strings"
	"sync"

	"github.com/patchscan/patchscan/facts"
	"github.com/patchscan/patchscan/internal/lsad"
	"github.com/patchscan/patchscan/internal/msrpc"
	"github.com/patchscan/patchscan/internal/msrpc/dtyp"
	"github.com/patchscan/patchscan/internal/samr"
	"github.com/patchscan/patchscan/internal/scmr"
	"github.com/patchscan/patchscan/internal/srvs"
)

// The configuration facts (issue 16) over SMB: each from its own named
// pipe and RPC interface, all at once, beside the batch's registry reads:
//
//	local users, Administrators   MS-SAMR  \PIPE\samr
//	shares and their ACLs         MS-SRVS  \PIPE\srvsvc
//	audit policy; names of SIDs   MS-LSAD  \PIPE\lsarpc
//	services' state               MS-SCMR  \PIPE\svcctl (SC_MANAGER_ENUMERATE_SERVICE only)
//	services' start type          MS-RRP   Services\<name>\Start, read with the batch's registry facts
//	volumes' file systems         SMB2 FileFsAttributeInformation on each drive's administrative share (C$, D$...)
//
// Every interface is read-only (the clients open handles with list and
// query rights only). A fact whose interface fails is that fact's error;
// a lost connection is the host's, as for registry facts.

// isConfigFact reports a configuration fact kind.
func isConfigFact(k facts.FactKind) bool {
	switch k {
	case facts.FactUsers, facts.FactAdministrators, facts.FactShares, facts.FactAuditPolicy, facts.FactVolumes, facts.FactService:
		return true
	}
	return false
}

// servicesKey is where a service's start type is.
const servicesKey = `HKLM\SYSTEM\CurrentControlSet\Services\`

// configRun reads one batch's configuration facts.
type configRun struct {
	s    *session
	w    *watchdog
	reqs []facts.Request
	// startReqs are the registry reads of the services' Start values,
	// appended to the batch's registry facts; startOf maps a FactService
	// request's index to its Start read.
	startReqs []facts.Request
	startOf   map[int]int

	wg       sync.WaitGroup
	users    rpcResult[usersAndAdmins]
	shares   rpcResult[sharesAndVolumes]
	audit    rpcResult[facts.AuditPolicy]
	services rpcResult[map[string]facts.Service] // by lower-case name
	lsa      lsaLookup
}

// rpcResult is what one interface gave, or why not.
type rpcResult[T any] struct {
	val  T
	err  error
	want bool // some request of the batch needs it
}

// startConfig starts reading the batch's configuration facts in the
// background; nil when it has none. The caller runs the registry reads of
// registryRequests with the batch's own, then calls finish.
func (s *session) startConfig(ctx context.Context, reqs []facts.Request, w *watchdog) *configRun {
	r := &configRun{s: s, w: w, reqs: reqs, startOf: map[int]int{}}
	any := false
	for i, q := range reqs {
		switch q.Kind {
		case facts.FactUsers, facts.FactAdministrators:
			r.users.want = true
		case facts.FactShares, facts.FactVolumes:
			r.shares.want = true
		case facts.FactAuditPolicy:
			r.audit.want = true
		case facts.FactService:
			r.services.want = true
			r.startOf[i] = len(r.startReqs)
			r.startReqs = append(r.startReqs, facts.Request{Kind: facts.FactRegValue, Key: servicesKey + q.Name, Name: "Start"})
		default:
			continue
		}
		any = true
	}
	if !any {
		return nil
	}
	r.lsa.s, r.lsa.w = s, w
	r.start(ctx)
	return r
}

// start runs each interface in its own goroutine.
func (r *configRun) start(ctx context.Context) {
	run := func(want bool, f func()) {
		if want {
			r.wg.Go(f)
		}
	}
	run(r.users.want, func() { r.users.val, r.users.err = r.readAccounts(ctx) })
	run(r.shares.want, func() { r.shares.val, r.shares.err = r.readShares(ctx) })
	run(r.audit.want, func() { r.audit.val, r.audit.err = r.readAudit(ctx) })
	run(r.services.want, func() { r.services.val, r.services.err = r.readServices(ctx) })
}

// finish waits for the interfaces and writes the batch's configuration
// answers; starts are the answers to startReqs.
func (r *configRun) finish(answers []facts.Answer, starts []facts.Answer) {
	r.wg.Wait()
	for i, q := range r.reqs {
		switch q.Kind {
		case facts.FactUsers:
			answers[i] = answer(r.users, func(a *facts.Answer, v usersAndAdmins) { a.Users = v.users })
		case facts.FactAdministrators:
			if r.users.err == nil && r.users.val.adminsErr != nil {
				answers[i] = facts.Answer{Err: r.users.val.adminsErr}
				continue
			}
			answers[i] = answer(r.users, func(a *facts.Answer, v usersAndAdmins) { a.Members = v.admins })
		case facts.FactShares:
			answers[i] = answer(r.shares, func(a *facts.Answer, v sharesAndVolumes) { a.Shares = v.shares })
		case facts.FactVolumes:
			answers[i] = r.volumesAnswer()
		case facts.FactAuditPolicy:
			answers[i] = answer(r.audit, func(a *facts.Answer, v facts.AuditPolicy) { a.Audit = v })
		case facts.FactService:
			answers[i] = r.serviceAnswer(q.Name, starts[r.startOf[i]])
		}
	}
}

func answer[T any](res rpcResult[T], set func(*facts.Answer, T)) facts.Answer {
	if res.err != nil {
		return facts.Answer{Err: res.err}
	}
	a := facts.Answer{Found: true}
	set(&a, res.val)
	return a
}

func (r *configRun) volumesAnswer() facts.Answer {
	if r.shares.err != nil {
		return facts.Answer{Err: r.shares.err}
	}
	if r.shares.val.volumesErr != nil {
		return facts.Answer{Err: r.shares.val.volumesErr}
	}
	return facts.Answer{Found: true, Volumes: r.shares.val.volumes}
}

// rpcEntry is one configuration pipe of the session: opened (CREATE on
// IPC$) and bound once, used by every batch.
type rpcEntry struct {
	openOnce, bindOnce sync.Once
	f                  *smb2.File
	c                  msrpc.Caller
	err                error
}

// configRPC are the configuration facts' pipes and interfaces.
var configRPC = []struct {
	name  string
	iface msrpc.SyntaxID
}{
	{"samr", samr.Interface}, {"srvsvc", srvs.Interface}, {"lsarpc", lsad.Interface}, {"svcctl", scmr.Interface},
}

func (s *session) rpcEntry(name string) *rpcEntry {
	s.rpcMu.Lock()
	defer s.rpcMu.Unlock()
	e, ok := s.rpc[name]
	if !ok {
		e = &rpcEntry{}
		s.rpc[name] = e
	}
	return e
}

// openConfigPipes opens and binds every configuration pipe at once, then
// calls done (which opens the other winreg pipes). Samba starts the
// servers of these pipes on demand and does not when many winreg pipes
// are already open: they come first. On Windows this costs the other
// winreg pipes two round trips.
func (s *session) openConfigPipes(done func()) {
	defer done()
	ctx := context.Background() // Close ends these calls with the connection
	var wg sync.WaitGroup
	for _, p := range configRPC {
		wg.Go(func() { _, _ = s.openRPC(ctx, &watchdog{}, p.name, p.iface) })
	}
	wg.Wait()
}

func (s *session) openRPCFile(name string) (*smb2.File, error) {
	e := s.rpcEntry(name)
	e.openOnce.Do(func() {
		f, err := s.ipc.OpenFile(name, os.O_RDWR, 0)
		if err != nil {
			e.err = rpcErr(pathErr(err), `open \PIPE\`+name)
			return
		}
		e.f = f
	})
	return e.f, e.err
}

// openRPC returns the session's pipe bound to iface, opening it on first
// use, with the pipelined write-and-read of the winreg pipes.
func (s *session) openRPC(ctx context.Context, w *watchdog, name string, iface msrpc.SyntaxID) (msrpc.Caller, error) {
	f, err := s.openRPCFile(name)
	w.kick()
	if err != nil {
		return nil, err
	}
	e := s.rpcEntry(name)
	e.bindOnce.Do(func() {
		c, err := msrpc.Bind(ctx, &pipeIO{f: f, s: s}, iface, msrpc.Options{})
		if err != nil {
			e.err = rpcErr(err, `bind \PIPE\`+name)
			return
		}
		e.c = c
	})
	w.kick()
	return e.c, e.err
}

// rpcErr says what failed; a refusal also matches facts.ErrAccessDenied,
// a lost connection errConnLost (the host's failure, in Facts).
func rpcErr(err error, what string) error {
	switch {
	case errors.Is(err, dtyp.ErrAccessDenied) || errors.Is(err, os.ErrPermission):
		return fmt.Errorf("%s: %w", what, deniedError{err})
	case isConnErr(err):
		return fmt.Errorf("%s: %w: %v", what, errConnLost, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// principalKind words a SID_NAME_USE as facts.Principal.Kind does.
func principalKind(u dtyp.SIDNameUse) string {
	return strings.ReplaceAll(u.String(), " ", "-")
}

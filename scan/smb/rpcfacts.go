package smb

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/patchscan/patchscan/facts"
	"github.com/patchscan/patchscan/internal/lsad"
	"github.com/patchscan/patchscan/internal/msrpc/dtyp"
	"github.com/patchscan/patchscan/internal/samr"
	"github.com/patchscan/patchscan/internal/scmr"
	"github.com/patchscan/patchscan/internal/srvs"
)

type usersAndAdmins struct {
	users     []facts.Account
	admins    []facts.Principal
	adminsErr error // the users may be read when the alias is not
}

// readAccounts reads the local users and BUILTIN\Administrators over
// MS-SAMR; members SAMR cannot name (other domains' accounts) are named
// over MS-LSAT.
func (r *configRun) readAccounts(ctx context.Context) (usersAndAdmins, error) {
	var out usersAndAdmins
	c, err := r.s.openRPC(ctx, r.w, "samr", samr.Interface)
	if err != nil {
		return out, err
	}
	sc := samr.New(c)
	users, err := sc.LocalUsers(ctx)
	r.w.kick()
	if err != nil {
		return out, rpcErr(err, "MS-SAMR local users")
	}
	for _, u := range users {
		out.users = append(out.users, facts.Account{RID: u.RID, SID: u.SID.String(), Name: u.Name, FullName: u.FullName, Flags: facts.AccountFlags(u.Control)})
	}
	out.admins, out.adminsErr = r.readAdmins(ctx, sc)
	return out, nil
}

func (r *configRun) readAdmins(ctx context.Context, sc *samr.Client) ([]facts.Principal, error) {
	members, err := sc.AliasMembers(ctx, samr.AliasAdmins)
	r.w.kick()
	if err != nil {
		return nil, rpcErr(err, `MS-SAMR BUILTIN\Administrators members`)
	}
	var unnamed []dtyp.SID
	for _, m := range members {
		if m.Name == "" {
			unnamed = append(unnamed, m.SID)
		}
	}
	names := r.lsa.names(ctx, unnamed)
	var admins []facts.Principal
	for _, m := range members {
		p := facts.Principal{SID: m.SID.String(), Domain: m.Domain, Name: m.Name, Kind: principalKind(m.Use)}
		if n, ok := names[p.SID]; ok && p.Name == "" {
			p.Domain, p.Name, p.Kind = n.Domain, n.Name, principalKind(n.Use)
		}
		admins = append(admins, p)
	}
	return admins, nil
}

type sharesAndVolumes struct {
	shares     []facts.Share
	volumes    []facts.Volume
	volumesErr error
}

// driveShare is a drive's administrative share: C$, D$...
var driveShare = regexp.MustCompile(`^[A-Za-z]\$$`)

// readShares lists the shares over MS-SRVS (level 502: with their ACLs),
// names the SIDs of the ACLs over MS-LSAT, and asks the file system of
// every drive's administrative share.
func (r *configRun) readShares(ctx context.Context) (sharesAndVolumes, error) {
	var out sharesAndVolumes
	c, err := r.s.openRPC(ctx, r.w, "srvsvc", srvs.Interface)
	if err != nil {
		return out, err
	}
	list, _, err := srvs.New(c).Shares(ctx)
	r.w.kick()
	if err != nil {
		return out, rpcErr(err, "MS-SRVS NetrShareEnum")
	}
	var drives []string
	var sids []dtyp.SID
	for _, sh := range list {
		if sh.Type.Base() == srvs.TypeDisk && driveShare.MatchString(sh.Name) {
			drives = append(drives, strings.ToUpper(sh.Name))
		}
		aces, _ := sh.Access()
		for _, a := range aces {
			sids = append(sids, a.SID)
		}
	}
	var vwg sync.WaitGroup
	vwg.Go(func() { out.volumes, out.volumesErr = r.readVolumes(ctx, drives) })
	names := r.lsa.names(ctx, sids)
	for _, sh := range list {
		out.shares = append(out.shares, share(sh, names))
	}
	vwg.Wait()
	return out, nil
}

// administrative reports one of the shares Windows makes itself: the
// server marks them STYPE_SPECIAL; Samba does not, so their names (C$,
// D$..., ADMIN$, IPC$) count too.
func administrative(sh srvs.Share) bool {
	if sh.Type.Special() {
		return true
	}
	switch strings.ToUpper(sh.Name) {
	case "ADMIN$", "IPC$":
		return true
	}
	return sh.Type.Base() == srvs.TypeDisk && driveShare.MatchString(sh.Name)
}

// share turns an MS-SRVS share into the fact.
func share(sh srvs.Share, names map[string]lsad.Name) facts.Share {
	f := facts.Share{Name: sh.Name, Remark: sh.Remark, Special: administrative(sh), Path: sh.Path}
	switch sh.Type.Base() {
	case srvs.TypeDisk:
		f.Type = facts.ShareDisk
	case srvs.TypePrintQ:
		f.Type = facts.SharePrinter
	case srvs.TypeIPC:
		f.Type = facts.ShareIPC
	default:
		f.Type = facts.ShareDevice
	}
	aces, ok := sh.Access()
	f.ACLKnown = ok
	for _, a := range aces {
		sid := a.SID.String()
		e := facts.ShareAccess{SID: sid, Allowed: a.Allowed, Rights: a.Rights}
		if n, ok := names[sid]; ok && n.Name != "" {
			e.Name = facts.Principal{Domain: n.Domain, Name: n.Name}.Display()
		}
		f.Access = append(f.Access, e)
	}
	return f
}

// fileAttributesPersistentACLs is FILE_PERSISTENT_ACLS ([MS-FSCC] 2.5.1).
const fileAttributesPersistentACLs = 0x00000008

// readVolumes asks FileFsAttributeInformation of each drive's root, all
// at once. The administrative drive shares exist for fixed drives only.
// The system drive is asked even when the listing lacks it (Samba does not
// list unbrowseable shares), but its absence is then no error.
func (r *configRun) readVolumes(ctx context.Context, drives []string) ([]facts.Volume, error) {
	sys := systemDrive(r.s.systemRoot(ctx, r.w))
	listedSys := slices.Contains(drives, sys)
	if !listedSys {
		drives = append([]string{sys}, drives...)
	}
	vols := make([]facts.Volume, len(drives))
	errs := make([]error, len(drives))
	var wg sync.WaitGroup
	for i, d := range drives {
		wg.Go(func() { vols[i], errs[i] = r.volume(d) })
	}
	wg.Wait()
	var out []facts.Volume
	for i, err := range errs {
		switch {
		case err == nil:
			out = append(out, vols[i])
		case i == 0 && !listedSys:
		default:
			return nil, err
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no administrative drive share (C$, D$...) could be read: the file systems of the volumes are not known")
	}
	return out, nil
}

// volume asks the file system of one drive share's root.
func (r *configRun) volume(share string) (facts.Volume, error) {
	sh, err := r.s.mount(share)
	r.w.kick()
	if err != nil {
		return facts.Volume{}, err
	}
	a, err := sh.FsAttributes("")
	r.w.kick()
	if err != nil {
		return facts.Volume{}, rpcErr(pathErr(err), "FileFsAttributeInformation of "+share)
	}
	return facts.Volume{Root: share[:1] + `:\`, FileSystem: a.FileSystemName,
		PersistentACLs: a.Attributes&fileAttributesPersistentACLs != 0, ACLsKnown: true}, nil
}

// readAudit reads the audit policy over MS-LSAD.
func (r *configRun) readAudit(ctx context.Context) (facts.AuditPolicy, error) {
	c, err := r.lsa.client(ctx)
	if err != nil {
		return facts.AuditPolicy{}, err
	}
	p, err := c.AuditPolicy(ctx)
	r.w.kick()
	if err != nil {
		return facts.AuditPolicy{}, rpcErr(err, "MS-LSAD audit policy")
	}
	out := facts.AuditPolicy{Enabled: p.Enabled}
	for i, name := range facts.AuditCategories {
		if o, ok := p.Category(lsad.AuditCategory(i)); ok {
			out.Categories = append(out.Categories, facts.AuditSetting{Category: name, Success: o.Success(), Failure: o.Failure()})
		}
	}
	return out, nil
}

// readServices lists the services with their state over MS-SCMR (the
// service manager opened with SC_MANAGER_ENUMERATE_SERVICE only).
func (r *configRun) readServices(ctx context.Context) (map[string]facts.Service, error) {
	c, err := r.s.openRPC(ctx, r.w, "svcctl", scmr.Interface)
	if err != nil {
		return nil, err
	}
	list, err := scmr.New(c).Services(ctx)
	r.w.kick()
	if err != nil {
		return nil, rpcErr(err, "MS-SCMR services")
	}
	out := make(map[string]facts.Service, len(list))
	for _, s := range list {
		out[strings.ToLower(s.Name)] = facts.Service{Name: s.Name, DisplayName: s.DisplayName, Start: facts.StartUnknown, State: serviceState(s.State)}
	}
	return out, nil
}

func serviceState(s scmr.ServiceState) facts.ServiceState {
	switch s {
	case scmr.Running:
		return facts.ServiceRunning
	case scmr.Stopped:
		return facts.ServiceStopped
	case scmr.Paused:
		return facts.ServicePaused
	}
	return facts.ServicePending
}

// serviceAnswer composes a service from its state (MS-SCMR) and its
// start type (the registry). Either alone is enough to know the service
// exists; when MS-SCMR failed, the start type alone answers.
func (r *configRun) serviceAnswer(name string, start facts.Answer) facts.Answer {
	svc, listed := r.services.val[strings.ToLower(name)]
	if !listed {
		svc = facts.Service{Name: name, Start: facts.StartUnknown}
	}
	if start.Err != nil {
		return facts.Answer{Err: fmt.Errorf("start type of service %s: %w", name, start.Err)}
	}
	if start.Found {
		n, ok := start.Value.Uint()
		if !ok || n > uint64(facts.StartDisabled) {
			return facts.Answer{Err: fmt.Errorf(`service %s: Start is not a start type (%s)`, name, start.Value.Text())}
		}
		svc.Start = facts.StartType(n)
	}
	switch {
	case r.services.err != nil && !start.Found:
		return facts.Answer{Err: r.services.err}
	case !listed && !start.Found:
		return facts.Answer{} // the host has no such service
	}
	return facts.Answer{Found: true, Service: svc}
}

// lsaLookup is one MS-LSAD/LSAT client for the batch, opened on first use:
// the audit policy and the names of SIDs share it.
type lsaLookup struct {
	s    *session
	w    *watchdog
	once sync.Once
	c    *lsad.Client
	err  error
}

func (l *lsaLookup) client(ctx context.Context) (*lsad.Client, error) {
	l.once.Do(func() {
		c, err := l.s.openRPC(ctx, l.w, "lsarpc", lsad.Interface)
		if err != nil {
			l.err = err
			return
		}
		l.c = lsad.New(c)
	})
	return l.c, l.err
}

// names looks SIDs up, by their string form. A lookup that fails leaves
// them unnamed: names are for people, the SIDs decide.
func (l *lsaLookup) names(ctx context.Context, sids []dtyp.SID) map[string]lsad.Name {
	out := map[string]lsad.Name{}
	if len(sids) == 0 {
		return out
	}
	c, err := l.client(ctx)
	if err != nil {
		return out
	}
	seen := map[string]bool{}
	var unique []dtyp.SID
	for _, s := range sids {
		if k := s.String(); !seen[k] {
			seen[k] = true
			unique = append(unique, s)
		}
	}
	names, err := c.LookupSIDs(ctx, unique)
	l.w.kick()
	if err != nil {
		return out
	}
	for _, n := range names {
		out[n.SID.String()] = n
	}
	return out
}

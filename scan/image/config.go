package image

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/patchscan/patchscan/facts"
	"github.com/patchscan/patchscan/internal/msrpc/dtyp"
	"github.com/patchscan/patchscan/internal/srvs"
	"github.com/patchscan/patchscan/scan/image/hive"
)

// The configuration facts of an offline image (issue 16), from the hives
// Windows keeps them in:
//
//	local users, flags, Guest    SAM: Domains\Account\Users\<RID> (F, V)
//	Administrators               SAM: Domains\Builtin\Aliases\00000220 (C); names of the host's own accounts
//	shares and their ACLs        SYSTEM: Services\LanmanServer\Shares (and Shares\Security)
//	audit policy                 SECURITY: Policy\PolAdtEv
//	services' start type         SYSTEM: Services\<name>\Start (the state of a service that is not running is unknowable)
//	file system                  the volume under DIR only (vfs.go)
//
// An image without a SAM or SECURITY hive cannot say what they hold: the
// facts are facts.ErrUnavailable, and the checks on them not-applicable.

const (
	samAccount  = `HKLM\SAM\SAM\Domains\Account`
	samAdmins   = `HKLM\SAM\SAM\Domains\Builtin\Aliases\00000220`
	sharesKey   = `HKLM\SYSTEM\CurrentControlSet\Services\LanmanServer\Shares`
	servicesKey = `HKLM\SYSTEM\CurrentControlSet\Services\`
	polAdtEv    = `HKLM\SECURITY\Policy\PolAdtEv`
)

// configAnswer answers one configuration fact.
func (h *Host) configAnswer(r facts.Request) facts.Answer {
	var a facts.Answer
	var err error
	switch r.Kind {
	case facts.FactUsers:
		a.Users, err = h.localUsers()
	case facts.FactAdministrators:
		a.Members, err = h.administrators()
	case facts.FactShares:
		a.Shares, err = h.shares()
	case facts.FactAuditPolicy:
		a.Audit, err = h.auditPolicy()
	case facts.FactVolumes:
		a.Volumes, err = h.volumes()
	case facts.FactService:
		return h.service(r.Name)
	default:
		return facts.Answer{Err: fmt.Errorf("unsupported fact kind %v", r.Kind)}
	}
	if err != nil {
		return facts.Answer{Err: offlineErr(err)}
	}
	a.Found = true
	return a
}

// offlineErr makes a missing hive ErrUnavailable; a damaged one stays a
// *hive.CorruptError (the whole host's failure, in Facts).
func offlineErr(err error) error {
	var nh errNoHive
	if errors.As(err, &nh) {
		return facts.Unavailable("%s", nh.Error())
	}
	return err
}

// localUsers lists the account domain's users with their flags.
func (h *Host) localUsers() ([]facts.Account, error) {
	domain, sidErr := h.machineSID()
	k, ok, err := h.openKey(samAccount + `\Users`)
	if err != nil || !ok {
		return nil, notFound(err, ok, samAccount+`\Users`)
	}
	subs, err := k.Subkeys()
	if err != nil {
		return nil, err
	}
	var users []facts.Account
	for _, sk := range subs {
		name, err := sk.Name()
		if err != nil {
			return nil, err
		}
		rid, err := strconv.ParseUint(name, 16, 32)
		if err != nil || len(name) != 8 {
			continue // "Names"
		}
		u, err := user(sk, uint32(rid))
		if err != nil {
			return nil, fmt.Errorf(`SAM user %s: %w`, name, err)
		}
		if sidErr == nil {
			u.SID = domain.Child(u.RID).String()
		}
		users = append(users, u)
	}
	return users, nil
}

func user(k hive.Key, rid uint32) (facts.Account, error) {
	u := facts.Account{RID: rid}
	f, ok, err := k.Value("F")
	if err != nil || !ok {
		return u, notFound(err, ok, "its F value")
	}
	if u.Flags, err = userFlags(f.Data); err != nil {
		return u, err
	}
	v, ok, err := k.Value("V")
	if err != nil || !ok {
		return u, notFound(err, ok, "its V value")
	}
	u.Name, u.FullName, err = userNames(v.Data)
	return u, err
}

func (h *Host) machineSID() (dtyp.SID, error) {
	v, ok, err := h.value(samAccount, "V")
	if err != nil || !ok {
		return dtyp.SID{}, notFound(err, ok, samAccount+` V`)
	}
	return machineSID(v.Data)
}

// administrators lists BUILTIN\Administrators, naming the host's own
// accounts (the SAM has no names for other domains' SIDs).
func (h *Host) administrators() ([]facts.Principal, error) {
	v, ok, err := h.value(samAdmins, "C")
	if err != nil || !ok {
		return nil, notFound(err, ok, samAdmins+` C`)
	}
	sids, err := aliasMembers(v.Data)
	if err != nil {
		return nil, fmt.Errorf(`SAM BUILTIN\Administrators: %w`, err)
	}
	domain, _ := h.machineSID()
	names := map[uint32]string{}
	if users, err := h.localUsers(); err == nil {
		for _, u := range users {
			names[u.RID] = u.Name
		}
	}
	var out []facts.Principal
	for _, s := range sids {
		p := facts.Principal{SID: s.String()}
		if d, rid, ok := s.Split(); ok && d.Equal(domain) {
			if n, ok := names[rid]; ok {
				p.Domain, p.Name, p.Kind = h.name, n, "user"
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// shares lists the shares LanmanServer keeps (the administrative ones are
// made at boot and are not there).
func (h *Host) shares() ([]facts.Share, error) {
	k, ok, err := h.openKey(sharesKey)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, nil // no share was ever made
	}
	names, err := k.ValueNames()
	if err != nil {
		return nil, err
	}
	var out []facts.Share
	for _, n := range names {
		v, _, err := k.Value(n)
		if err != nil {
			return nil, err
		}
		s, err := shareFromLines(n, facts.RegValue{Type: facts.ValueType(v.Type), Data: v.Data}.Strings())
		if err != nil {
			return nil, err
		}
		if s.Access, s.ACLKnown, err = h.shareAccess(n); err != nil {
			return nil, fmt.Errorf("share %s: %w", n, err)
		}
		out = append(out, s)
	}
	return out, nil
}

// shareAccess reads a share's ACL from Shares\Security. A share without
// one has Windows' default share permission: Everyone, read.
func (h *Host) shareAccess(name string) ([]facts.ShareAccess, bool, error) {
	v, ok, err := h.value(sharesKey+`\Security`, name)
	if err != nil {
		return nil, false, err
	}
	if !ok {
		return []facts.ShareAccess{{SID: dtyp.Everyone.String(), Name: "Everyone", Allowed: true, Rights: "read"}}, true, nil
	}
	sd, err := dtyp.ParseSecurityDescriptor(v.Data)
	if err != nil {
		return nil, false, fmt.Errorf("its security descriptor: %w", err)
	}
	aces, known := srvs.Share{HasSecurityLevel: true, Security: sd}.Access()
	var out []facts.ShareAccess
	for _, a := range aces {
		out = append(out, facts.ShareAccess{SID: a.SID.String(), Allowed: a.Allowed, Rights: a.Rights})
	}
	return out, known, nil
}

func (h *Host) auditPolicy() (facts.AuditPolicy, error) {
	v, ok, err := h.value(polAdtEv, "")
	if err != nil || !ok {
		return facts.AuditPolicy{}, notFound(err, ok, polAdtEv)
	}
	return auditPolicy(v.Data)
}

// service reads a service's start type; its state is not in an image.
func (h *Host) service(name string) facts.Answer {
	if name == "" || strings.ContainsAny(name, `\/`) {
		return facts.Answer{Err: fmt.Errorf("%q is not a service name", name)}
	}
	k, ok, err := h.openKey(servicesKey + name)
	if err != nil || !ok {
		return facts.Answer{Err: err}
	}
	svc := facts.Service{Name: name, Start: facts.StartUnknown}
	if v, ok, err := k.Value("Start"); err != nil {
		return facts.Answer{Err: err}
	} else if ok {
		n, isNum := facts.RegValue{Type: facts.ValueType(v.Type), Data: v.Data}.Uint()
		if !isNum || n > uint64(facts.StartDisabled) {
			return facts.Answer{Err: fmt.Errorf("service %s: Start is not a start type", name)}
		}
		svc.Start = facts.StartType(n)
	}
	if v, ok, _ := k.Value("DisplayName"); ok {
		if d := (facts.RegValue{Type: facts.ValueType(v.Type), Data: v.Data}).Text(); !strings.HasPrefix(d, "@") {
			svc.DisplayName = d // "@dll,-id" names a resource only Windows reads
		}
	}
	return facts.Answer{Found: true, Service: svc}
}

// notFound is the error of a key or value the structure needs.
func notFound(err error, ok bool, what string) error {
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%s is missing", what)
	}
	return nil
}

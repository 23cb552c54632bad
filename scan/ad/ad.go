// Package ad enumerates the computers of an Active Directory domain over
// LDAP, the way MBSA's "-d domain" did, so a whole domain can be scanned.
//
// It only reads: one bind, one paged search. TLS (LDAPS or StartTLS) is the
// default because AD refuses simple binds without it and because the bind
// carries the scan's credentials.
package ad

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/patchscan/patchscan/scan/hint"
)

// ComputerFilter selects enabled computer objects: userAccountControl bit 2
// (ACCOUNTDISABLE) clear, matched with the bitwise-AND rule OID.
const ComputerFilter = "(&(objectCategory=computer)(!(userAccountControl:1.2.840.113556.1.4.803:=2)))"

// TLSMode says how the LDAP connection is protected.
type TLSMode string

const (
	TLSAuto     TLSMode = "auto"     // LDAPS on 636, else StartTLS on 389
	TLSLDAPS    TLSMode = "ldaps"    // LDAPS only
	TLSStartTLS TLSMode = "starttls" // StartTLS on 389 only
	TLSNone     TLSMode = "none"     // plain LDAP: only NTLM binds make sense (AD refuses simple ones)
)

// ErrClearTextBind refuses a simple bind on a connection without TLS
// before anything is dialled: it would send the password in clear text
// (whether the DC then refuses it or not, the password has crossed the
// network).
var ErrClearTextBind = errors.New("a simple LDAP bind without TLS would send the password in clear text")

// BindMode says how to authenticate.
type BindMode string

const (
	// BindAuto binds simply over TLS and with NTLM on a plain connection
	// or when only an NT hash is given. Samba DCs don't offer AD's NTLM
	// ("Sicily") bind at all, and real AD accepts simple binds over TLS.
	BindAuto   BindMode = "auto"
	BindNTLM   BindMode = "ntlm"   // NTLM (the password never crosses the wire)
	BindSimple BindMode = "simple" // DOMAIN\user + password; needs TLS
)

// Config for Enumerate. Domain is required.
type Config struct {
	Domain string // DNS name of the domain, e.g. corp.example.com
	// DC is the domain controller to ask, "host" or "host:port"; empty
	// finds one through DNS SRV _ldap._tcp.dc._msdcs.<Domain>.
	DC string
	// BaseDN limits the search to an OU; a relative "OU=Servers" gets the
	// domain's DN appended. Empty: the whole domain.
	BaseDN string
	// Filter is ANDed with ComputerFilter, so it can only narrow.
	Filter string
	TLS    TLSMode // "" = TLSAuto
	// CAFile holds PEM certificates trusted for the DC (in addition to
	// the system roots); InsecureSkipVerify skips verification (labs).
	CAFile             string
	InsecureSkipVerify bool
	Bind               BindMode // "" = BindAuto
	Credentials        Credentials
	// Resolver for SRV and host lookups (netguard.Policy.Resolver; nil:
	// the system resolver).
	Resolver *net.Resolver
	// Dialer connects to the DCs, holding to the caller's network policy
	// (netguard.Policy.Dialer); nil: a net.Dialer using Resolver. Its
	// Timeout is replaced by Timeout.
	Dialer   *net.Dialer
	Timeout  time.Duration // per connection and request; 0 = 30 s
	PageSize uint32        // 0 = 500
	// Limit stops the search once more than Limit computers were found
	// (ErrTooMany); 0 = no limit.
	Limit int
}

// Computer is one enabled computer object.
type Computer struct {
	DN             string
	Name           string // cn
	SAMAccountName string // "WS01$"
	DNSHostName    string // may be empty on objects never joined
	OS             string // operatingSystem, when set
}

// Host is the name to scan: dNSHostName, else cn qualified by the domain.
func (c Computer) Host(domain string) string {
	if c.DNSHostName != "" {
		return strings.ToLower(c.DNSHostName)
	}
	return strings.ToLower(c.Name + "." + domain)
}

// Credentials to bind with. This package keeps its own small type (the
// scan's transport.Credentials converts field by field) so enumeration
// does not depend on the engine's packages. String never shows secrets.
type Credentials struct {
	Domain   string // NetBIOS or DNS domain of the account
	User     string
	Password string
	NTHash   []byte // 16 bytes; used instead of Password for NTLM binds
}

func (c Credentials) String() string {
	if c.Domain != "" {
		return c.Domain + `\` + c.User
	}
	return c.User
}

// GoString redacts %#v too.
func (c Credentials) GoString() string { return "ad.Credentials{" + c.String() + "}" }

// ErrTooMany is returned when the domain has more computers than Limit.
var ErrTooMany = errors.New("too many computers")

// Enumerate binds to a DC of cfg.Domain and returns its enabled computers,
// sorted by DN.
func Enumerate(ctx context.Context, cfg Config) ([]Computer, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	filter, err := BuildFilter(cfg.Filter)
	if err != nil {
		return nil, err
	}
	base, err := BaseDN(cfg.Domain, cfg.BaseDN)
	if err != nil {
		return nil, err
	}
	dcs, err := cfg.controllers(ctx)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, dc := range dcs {
		conn, err := cfg.connect(ctx, dc)
		if err != nil {
			errs = append(errs, err)
			if isAuthOrPolicy(err) {
				break // another DC of the same domain will say the same
			}
			continue
		}
		comps, err := cfg.search(ctx, conn, base, filter)
		_ = conn.Close()
		if err != nil {
			return nil, fmt.Errorf("searching %s on %s: %w", base, dc, err)
		}
		return comps, nil
	}
	return nil, errors.Join(errs...)
}

func (cfg Config) withDefaults() (Config, error) {
	cfg.Domain = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(cfg.Domain)), ".")
	if cfg.Domain == "" {
		return cfg, errors.New("no domain given")
	}
	if cfg.TLS == "" {
		cfg.TLS = TLSAuto
	}
	switch cfg.TLS {
	case TLSAuto, TLSLDAPS, TLSStartTLS, TLSNone:
	default:
		return cfg, fmt.Errorf("unknown LDAP TLS mode %q (want auto, ldaps, starttls or none)", cfg.TLS)
	}
	if cfg.Bind == "" {
		cfg.Bind = BindAuto
	}
	if cfg.Bind != BindAuto && cfg.Bind != BindNTLM && cfg.Bind != BindSimple {
		return cfg, fmt.Errorf("unknown LDAP bind %q (want auto, ntlm or simple)", cfg.Bind)
	}
	if cfg.TLS == TLSNone && cfg.Bind == BindSimple {
		return cfg, hint.With(ErrClearTextBind, hint.UseLDAPTLS, hint.UseNTLMBind)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.PageSize == 0 {
		cfg.PageSize = 500
	}
	if cfg.Resolver == nil {
		cfg.Resolver = net.DefaultResolver
	}
	d := net.Dialer{Resolver: cfg.Resolver}
	if cfg.Dialer != nil {
		d = *cfg.Dialer
	}
	d.Timeout = cfg.Timeout
	cfg.Dialer = &d
	return cfg, nil
}

// BuildFilter ANDs an operator's filter with ComputerFilter and checks it.
func BuildFilter(extra string) (string, error) {
	extra = strings.TrimSpace(extra)
	if extra == "" {
		return ComputerFilter, nil
	}
	if !strings.HasPrefix(extra, "(") {
		extra = "(" + extra + ")"
	}
	f := "(&" + ComputerFilter + extra + ")"
	if _, err := ldap.CompileFilter(f); err != nil {
		return "", hint.With(fmt.Errorf("bad LDAP filter %q: %v", extra, err), hint.CheckLDAPFilter)
	}
	return f, nil
}

// BaseDN turns a domain and an optional OU into the search base.
func BaseDN(domain, ou string) (string, error) {
	var parts []string
	for _, l := range strings.Split(strings.TrimSuffix(domain, "."), ".") {
		if l == "" {
			return "", fmt.Errorf("bad domain name %q", domain)
		}
		parts = append(parts, "DC="+ldap.EscapeDN(l))
	}
	dom := strings.Join(parts, ",")
	ou = strings.TrimSpace(ou)
	if ou == "" {
		return dom, nil
	}
	dn, err := ldap.ParseDN(ou)
	if err != nil || len(dn.RDNs) == 0 {
		return "", hint.With(fmt.Errorf("bad OU %q: not a distinguished name like OU=Servers,DC=corp,DC=example", ou), hint.CheckOU)
	}
	if strings.Contains(strings.ToUpper(ou), "DC=") {
		return ou, nil
	}
	return ou + "," + dom, nil
}

// controllers lists the DCs to try, as host:port without a scheme port
// decision (port "" = the mode's default).
func (cfg Config) controllers(ctx context.Context) ([]string, error) {
	if cfg.DC != "" {
		return []string{cfg.DC}, nil
	}
	_, srvs, err := cfg.Resolver.LookupSRV(ctx, "ldap", "tcp", "dc._msdcs."+cfg.Domain)
	if err != nil {
		return nil, hint.With(fmt.Errorf("finding a domain controller for %s (DNS SRV _ldap._tcp.dc._msdcs.%s): %v", cfg.Domain, cfg.Domain, err),
			hint.NameDC, hint.SetDNSServer)
	}
	// LookupSRV already orders by priority and weight.
	var out []string
	for _, s := range srvs {
		out = append(out, strings.TrimSuffix(s.Target, "."))
	}
	if len(out) == 0 {
		return nil, hint.With(fmt.Errorf("DNS lists no domain controller for %s", cfg.Domain), hint.NameDC)
	}
	return out, nil
}

func (cfg Config) tlsConfig(host string) (*tls.Config, error) {
	tc := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12, InsecureSkipVerify: cfg.InsecureSkipVerify} //nolint:gosec // only on --insecure-ldap
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, hint.With(fmt.Errorf("reading the domain controller's CA file: %w", err), hint.CheckLDAPCA)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, hint.With(fmt.Errorf("the domain controller's CA file %s holds no PEM certificate", cfg.CAFile), hint.CheckLDAPCA)
		}
		tc.RootCAs = pool
	}
	return tc, nil
}

// connect dials dc, protects the connection as cfg.TLS says and binds.
func (cfg Config) connect(ctx context.Context, dc string) (*ldap.Conn, error) {
	host, port := dc, ""
	if h, p, err := net.SplitHostPort(dc); err == nil {
		host, port = h, p
	}
	tc, err := cfg.tlsConfig(host)
	if err != nil {
		return nil, err
	}
	try := func(scheme, defPort string, startTLS bool) (*ldap.Conn, error) {
		p := port
		if p == "" {
			p = defPort
		}
		addr := net.JoinHostPort(host, p)
		conn, err := ldap.DialURL(scheme+"://"+addr, ldap.DialWithDialer(cfg.Dialer), ldap.DialWithTLSConfig(tc))
		if err != nil {
			return nil, cfg.connError(scheme, addr, err)
		}
		conn.SetTimeout(cfg.Timeout)
		stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
		defer stop()
		if startTLS {
			if err := conn.StartTLS(tc); err != nil {
				_ = conn.Close()
				return nil, cfg.connError("StartTLS", addr, err)
			}
		}
		if err := cfg.bind(conn); err != nil {
			_ = conn.Close()
			return nil, fmt.Errorf("LDAP bind as %s on %s: %w", cfg.Credentials, addr, err)
		}
		return conn, nil
	}
	switch cfg.TLS {
	case TLSLDAPS:
		return try("ldaps", "636", false)
	case TLSStartTLS:
		return try("ldap", "389", true)
	case TLSNone:
		return try("ldap", "389", false)
	}
	conn, err := try("ldaps", "636", false)
	if err == nil || !isDialError(err) {
		return conn, err
	}
	conn, err2 := try("ldap", "389", true)
	if err2 != nil {
		return nil, errors.Join(err, err2)
	}
	return conn, nil
}

// dialError marks a failure to reach the port at all, the only failure
// after which auto mode tries StartTLS (never after a certificate error).
type dialError struct{ error }

func (e dialError) Unwrap() error { return e.error }

func isDialError(err error) bool {
	var de dialError
	return errors.As(err, &de)
}

func (cfg Config) connError(what, addr string, err error) error {
	var ue x509.UnknownAuthorityError
	var he x509.HostnameError
	var ce x509.CertificateInvalidError
	var ve *tls.CertificateVerificationError
	switch {
	case strings.Contains(err.Error(), "negative serial number"):
		// Go's x509 says so only in its text.
		return everyDC{fmt.Errorf("%s to %s: the domain controller's certificate has a negative serial number, which Go refuses (Samba's self-generated certificate does): give the DC a proper certificate (tls certfile/keyfile in smb.conf)", what, addr)}
	case errors.As(err, &ue), errors.As(err, &he), errors.As(err, &ce), errors.As(err, &ve):
		return everyDC{hint.With(fmt.Errorf("%s to %s: the domain controller's certificate is not trusted (%v)", what, addr, err), hint.TrustDC)}
	}
	var ne *net.OpError
	if errors.As(err, &ne) && ne.Op == "dial" {
		return dialError{fmt.Errorf("%s to %s: %v: is it a domain controller, and is the port open?", what, addr, ne.Err)}
	}
	return fmt.Errorf("%s to %s: %w", what, addr, err)
}

func (cfg Config) bind(conn *ldap.Conn) error {
	c := cfg.Credentials
	if c.User == "" {
		return hint.With(errors.New("no user given: AD enumeration needs domain credentials"), hint.GiveUser)
	}
	_, tlsOn := conn.TLSConnectionState()
	mode := cfg.Bind
	if mode == BindAuto {
		mode = BindNTLM
		if tlsOn && len(c.NTHash) == 0 {
			mode = BindSimple
		}
	}
	var err error
	switch {
	case mode == BindSimple && !tlsOn:
		return hint.With(ErrClearTextBind, hint.UseLDAPTLS, hint.UseNTLMBind)
	case mode == BindSimple:
		if c.Password == "" {
			return hint.With(errors.New("a simple bind needs a password (an NT hash only works with an NTLM bind)"), hint.UseNTLMBind)
		}
		err = conn.Bind(simpleBindName(c), c.Password)
		if err != nil && !tlsOn && (ldap.IsErrorWithCode(err, ldap.LDAPResultStrongAuthRequired) || ldap.IsErrorWithCode(err, ldap.LDAPResultConfidentialityRequired)) {
			return everyDC{hint.With(errors.New("the domain controller refuses a simple bind without TLS (as AD does by default)"), hint.UseLDAPTLS, hint.UseNTLMBind)}
		}
	case len(c.NTHash) == 16:
		err = conn.NTLMBindWithHash(c.Domain, c.User, fmt.Sprintf("%x", c.NTHash))
	default:
		err = conn.NTLMBind(c.Domain, c.User, c.Password)
	}
	if err == nil {
		return nil
	}
	if ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) {
		return everyDC{hint.With(errors.New("invalid credentials"), hint.CheckCredentials)}
	}
	if mode == BindNTLM {
		return hint.With(fmt.Errorf("NTLM bind failed (%v): the DC may not offer NTLM binds (Samba DCs don't)", scrub(err, c.Password)), hint.UseSimpleBind)
	}
	return scrub(err, c.Password)
}

// simpleBindName is the name AD accepts in a simple bind: the down-level
// DOMAIN\user for a NetBIOS domain, the UPN user@domain for a DNS one
// (AD does not take "corp.example.com\user").
func simpleBindName(c Credentials) string {
	switch {
	case c.Domain == "":
		return c.User
	case strings.Contains(c.Domain, "."):
		return c.User + "@" + c.Domain
	}
	return c.Domain + `\` + c.User
}

// scrub keeps a password out of an error should a library echo it.
func scrub(err error, secret string) error {
	if secret == "" || !strings.Contains(err.Error(), secret) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), secret, "<redacted>"))
}

// everyDC marks a failure every DC of the domain would repeat (the
// credentials, the certificate, the bind policy): Enumerate then stops
// rather than try the next DC.
type everyDC struct{ error }

func (e everyDC) Unwrap() error { return e.error }

func isAuthOrPolicy(err error) bool {
	var e everyDC
	return errors.As(err, &e)
}

// search runs the paged search, stopping early past cfg.Limit.
func (cfg Config) search(ctx context.Context, conn *ldap.Conn, base, filter string) ([]Computer, error) {
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	paging := ldap.NewControlPaging(cfg.PageSize)
	req := ldap.NewSearchRequest(base, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, int(cfg.Timeout/time.Second), false,
		filter, []string{"cn", "sAMAccountName", "dNSHostName", "operatingSystem"}, []ldap.Control{paging})
	var out []Computer
	for {
		res, err := conn.Search(req)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err != nil {
			if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
				return nil, hint.With(fmt.Errorf("base %s does not exist", base), hint.CheckOU)
			}
			return nil, err
		}
		for _, e := range res.Entries {
			out = append(out, Computer{
				DN:             e.DN,
				Name:           e.GetAttributeValue("cn"),
				SAMAccountName: e.GetAttributeValue("sAMAccountName"),
				DNSHostName:    e.GetAttributeValue("dNSHostName"),
				OS:             e.GetAttributeValue("operatingSystem"),
			})
		}
		if cfg.Limit > 0 && len(out) > cfg.Limit {
			return nil, hint.With(fmt.Errorf("%w: more than %d enabled computers under %s", ErrTooMany, cfg.Limit, base), hint.NarrowDomain)
		}
		pc, _ := ldap.FindControl(res.Controls, ldap.ControlTypePaging).(*ldap.ControlPaging)
		if pc == nil || len(pc.Cookie) == 0 {
			break
		}
		paging.SetCookie(pc.Cookie)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].DN < out[j].DN })
	return out, nil
}

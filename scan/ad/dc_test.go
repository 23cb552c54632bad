package ad

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/internal/adlab"
	"github.com/patchscan/patchscan/internal/netguard"
	"github.com/patchscan/patchscan/scan/hint"
)

// TestEnumerateSambaDC runs against a real Samba AD DC (internal/adlab).
func TestEnumerateSambaDC(t *testing.T) {
	dc := adlab.Start(t)
	for _, c := range []adlab.Computer{
		{Name: "WS01", Addr: "127.0.0.21"},
		{Name: "WS02", Addr: "127.0.0.22"},
		{Name: "OLD03", Disabled: true},
		{Name: "NEW04", NoDNSHostName: true},
		{Name: "SRV05", Addr: "127.0.0.25", OU: "OU=Servers"},
	} {
		dc.AddComputer(t, c)
	}
	admin := Credentials{Domain: adlab.NetBIOS, User: adlab.AdminUser, Password: dc.Password}
	all := []string{"dc1.lab.test", "new04.lab.test", "srv05.lab.test", "ws01.lab.test", "ws02.lab.test"}
	ctx := context.Background()
	// The DC's own DNS server, on loopback: the only resolver the
	// loopback policy lets these tests use for names.
	resolver, err := netguard.Loopback.Resolver(dc.Addr)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		cfg  Config
		want []string // hosts; nil when an error is expected
		err  string
		hint hint.Hint // with err: the remedy the command line words; 0: none
	}{
		{"ldaps with CA", Config{DC: dc.Addr, CAFile: dc.CAFile}, all, "", 0},
		{"dc by name via SRV and --dns-server", Config{Resolver: resolver, CAFile: dc.CAFile}, all, "", 0},
		{"upn bind", Config{DC: dc.Addr, CAFile: dc.CAFile, Credentials: Credentials{Domain: adlab.Domain, User: adlab.AdminUser, Password: dc.Password}}, all, "", 0},
		{"starttls", Config{DC: dc.Addr, TLS: TLSStartTLS, CAFile: dc.CAFile}, all, "", 0},
		{"insecure skips verification", Config{DC: dc.Addr, InsecureSkipVerify: true}, all, "", 0},
		{"small pages", Config{DC: dc.Addr, CAFile: dc.CAFile, PageSize: 2}, all, "", 0},
		{"ou", Config{DC: dc.Addr, CAFile: dc.CAFile, BaseDN: "OU=Servers"}, []string{"srv05.lab.test"}, "", 0},
		{"filter", Config{DC: dc.Addr, CAFile: dc.CAFile, Filter: "(cn=WS*)"}, []string{"ws01.lab.test", "ws02.lab.test"}, "", 0},
		{"limit", Config{DC: dc.Addr, CAFile: dc.CAFile, Limit: 3}, nil, "more than 3 enabled computers", hint.NarrowDomain},
		{"untrusted certificate", Config{DC: dc.Addr}, nil, "not trusted", hint.TrustDC},
		{"simple bind without TLS", Config{DC: dc.Addr, TLS: TLSNone, Bind: BindSimple}, nil, "would send the password in clear text", hint.UseLDAPTLS},
		// Samba has no NTLM ("Sicily") bind; the error must say so.
		{"ntlm bind on samba", Config{DC: dc.Addr, CAFile: dc.CAFile, Bind: BindNTLM}, nil, "NTLM", hint.UseSimpleBind},
		{"missing ou", Config{DC: dc.Addr, CAFile: dc.CAFile, BaseDN: "OU=Nope"}, nil, "does not exist", hint.CheckOU},
		{"wrong password", Config{DC: dc.Addr, CAFile: dc.CAFile, Credentials: Credentials{Domain: "LAB", User: "Administrator", Password: "Wrong-pass-1"}}, nil, "invalid credentials", hint.CheckCredentials},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Domain = adlab.Domain
			cfg.Resolver, cfg.Dialer = resolver, netguard.Loopback.Dialer(resolver)
			if cfg.Credentials.User == "" {
				cfg.Credentials = admin
			}
			comps, err := Enumerate(ctx, cfg)
			if tc.err != "" {
				checkEnumerateError(t, err, tc.err, tc.hint, dc.Password, "Wrong-pass-1")
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var hosts []string
			for _, c := range comps {
				hosts = append(hosts, c.Host(adlab.Domain))
			}
			slices.Sort(hosts)
			if !slices.Equal(hosts, tc.want) {
				t.Errorf("hosts = %v, want %v", hosts, tc.want)
			}
		})
	}

	// The computers' names resolve through the DC's DNS.
	addrs, err := resolver.LookupHost(ctx, "ws02.lab.test")
	if err != nil || !slices.Equal(addrs, []string{"127.0.0.22"}) {
		t.Errorf("ws02.lab.test -> %v, %v; want 127.0.0.22", addrs, err)
	}

	// Cancellation ends an enumeration promptly.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Enumerate(cctx, Config{Domain: adlab.Domain, Resolver: resolver, Dialer: netguard.Loopback.Dialer(resolver), CAFile: dc.CAFile, Credentials: admin}); err == nil {
		t.Error("Enumerate with a cancelled context succeeded")
	} else if errors.Is(err, ErrTooMany) {
		t.Errorf("unexpected %v", err)
	}
}

// checkEnumerateError: err says want, carries the remedy (0: none to
// check), names no flag and reveals no password.
func checkEnumerateError(t *testing.T, err error, want string, remedy hint.Hint, passwords ...string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want one containing %q", err, want)
	}
	for _, p := range passwords {
		if strings.Contains(err.Error(), p) {
			t.Errorf("error leaks a password: %v", err)
		}
	}
	if remedy != 0 && !hint.Has(err, remedy) {
		t.Errorf("hints %v, want %v", hint.Of(err), remedy)
	}
	if strings.Contains(err.Error(), "--") {
		t.Errorf("the library names a flag: %v", err)
	}
}

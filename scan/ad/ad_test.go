package ad

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/internal/netguard"
	"github.com/patchscan/patchscan/scan/hint"
)

func TestBuildFilter(t *testing.T) {
	tests := []struct {
		in, want string
		bad      bool
	}{
		{"", ComputerFilter, false},
		{"(operatingSystem=*Server*)", "(&" + ComputerFilter + "(operatingSystem=*Server*))", false},
		{"operatingSystem=*Server*", "(&" + ComputerFilter + "(operatingSystem=*Server*))", false},
		{"(|(cn=a)(cn=b))", "(&" + ComputerFilter + "(|(cn=a)(cn=b)))", false},
		{"(cn=a", "", true},
		{"((", "", true},
	}
	for _, tc := range tests {
		got, err := BuildFilter(tc.in)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("BuildFilter(%q) = %q, %v; want %q (error: %v)", tc.in, got, err, tc.want, tc.bad)
		}
		if err != nil && (!strings.Contains(err.Error(), "bad LDAP filter") || !hint.Has(err, hint.CheckLDAPFilter)) {
			t.Errorf("error %q (hints %v) does not say the filter is to check", err, hint.Of(err))
		}
	}
}

func TestBaseDN(t *testing.T) {
	tests := []struct {
		domain, ou, want string
		bad              bool
	}{
		{"lab.test", "", "DC=lab,DC=test", false},
		{"corp.example.com.", "", "DC=corp,DC=example,DC=com", false},
		{"lab.test", "OU=Servers", "OU=Servers,DC=lab,DC=test", false},
		{"lab.test", "OU=Web,OU=Servers,DC=lab,DC=test", "OU=Web,OU=Servers,DC=lab,DC=test", false},
		{"lab..test", "", "", true},
		{"lab.test", "Servers", "", true},
		{"lab.test", "OU=", "", false},
	}
	for _, tc := range tests {
		got, err := BaseDN(tc.domain, tc.ou)
		if tc.bad {
			if err == nil {
				t.Errorf("BaseDN(%q, %q) = %q, want an error", tc.domain, tc.ou, got)
			}
			continue
		}
		if tc.want != "" && (err != nil || got != tc.want) {
			t.Errorf("BaseDN(%q, %q) = %q, %v; want %q", tc.domain, tc.ou, got, err, tc.want)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		cfg    Config
		want   string
		remedy hint.Hint // for the command line to word; 0: none
	}{
		{Config{}, "no domain", 0},
		{Config{Domain: "x.test", TLS: "ssl"}, "unknown LDAP TLS mode", 0},
		{Config{Domain: "x.test", Bind: "kerberos"}, "unknown LDAP bind", 0},
		{Config{Domain: "x.test", Filter: "(cn=", DC: "127.0.0.1"}, "bad LDAP filter", hint.CheckLDAPFilter},
		{Config{Domain: "x.test", BaseDN: "not a dn", DC: "127.0.0.1"}, "bad OU", hint.CheckOU},
		{Config{Domain: "x.test", CAFile: "/nonexistent/ca.pem", DC: "127.0.0.1"}, "reading the domain controller's CA file", hint.CheckLDAPCA},
	}
	for _, tc := range tests {
		tc.cfg.Dialer = netguard.Loopback.Dialer(nil)
		_, err := Enumerate(context.Background(), tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Enumerate(%+v) = %v, want an error containing %q", tc.cfg, err, tc.want)
			continue
		}
		if tc.remedy != 0 && !hint.Has(err, tc.remedy) {
			t.Errorf("Enumerate(%+v): hints %v, want %v", tc.cfg, hint.Of(err), tc.remedy)
		}
		if strings.Contains(err.Error(), "--") {
			t.Errorf("the library names a flag: %v", err)
		}
	}
}

func TestCredentialsRedacted(t *testing.T) {
	c := Credentials{Domain: "LAB", User: "scanner", Password: "hunter2-secret", NTHash: make([]byte, 16)}
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%v %+v %#v %s", c, c, c, c)} {
		if strings.Contains(s, "hunter2") {
			t.Errorf("credentials print their password: %s", s)
		}
	}
	if err := scrub(errors.New("bad hunter2-secret"), c.Password); strings.Contains(err.Error(), "hunter2") {
		t.Errorf("scrub left the secret: %v", err)
	}
}

// A closed port fails fast with a message naming the address; auto mode
// tries LDAPS then StartTLS and reports both.
func TestEnumerateUnreachable(t *testing.T) {
	_, err := Enumerate(context.Background(), Config{Domain: "lab.test", DC: "127.0.0.1:1",
		Credentials: Credentials{User: "u", Password: "pw-secret"}, Dialer: netguard.Loopback.Dialer(nil)})
	if err == nil || !strings.Contains(err.Error(), "ldaps to 127.0.0.1:1") || !strings.Contains(err.Error(), "is the port open") {
		t.Errorf("Enumerate against a closed port = %v", err)
	}
	if err != nil && strings.Contains(err.Error(), "pw-secret") {
		t.Errorf("error leaks the password: %v", err)
	}
}

func TestSimpleBindName(t *testing.T) {
	tests := []struct {
		c    Credentials
		want string
	}{
		{Credentials{User: "u"}, "u"},
		{Credentials{Domain: "CORP", User: "u"}, `CORP\u`},
		{Credentials{Domain: "corp.example.com", User: "u"}, "u@corp.example.com"},
	}
	for _, tc := range tests {
		if got := simpleBindName(tc.c); got != tc.want {
			t.Errorf("simpleBindName(%v) = %q, want %q", tc.c, got, tc.want)
		}
	}
}

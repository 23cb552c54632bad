package adlab

import (
	"context"
	"net"
	"testing"

	"github.com/go-ldap/ldap/v3"
)

func TestLabDC(t *testing.T) {
	dc := Start(t)
	dc.AddComputer(t, Computer{Name: "WS01", Addr: "127.0.0.21"})
	dc.AddComputer(t, Computer{Name: "WS02", Disabled: true})
	dc.AddUser(t, "scanner", "Scan-pass-42!")

	conn, err := dc.Admin()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	res, err := conn.Search(ldap.NewSearchRequest(BaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
		"(sAMAccountName=WS0*)", []string{"dNSHostName", "userAccountControl"}, nil))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range res.Entries {
		got[e.GetAttributeValue("dNSHostName")] = e.GetAttributeValue("userAccountControl")
	}
	if got["ws01.lab.test"] != "4096" {
		t.Errorf("computers %v: want ws01.lab.test enabled (4096)", got)
	}
	// The new user can bind.
	uc, err := ldap.DialURL("ldaps://"+net.JoinHostPort(dc.Addr, "636"), ldap.DialWithTLSConfig(dc.TLSConfig()))
	if err != nil {
		t.Fatal(err)
	}
	defer uc.Close()
	if err := uc.Bind(`LAB\scanner`, "Scan-pass-42!"); err != nil {
		t.Errorf("bind as the added user: %v", err)
	}
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, net.JoinHostPort(dc.Addr, "53"))
	}}
	addrs, err := r.LookupHost(t.Context(), "ws01.lab.test")
	if err != nil || len(addrs) != 1 || addrs[0] != "127.0.0.21" {
		t.Errorf("ws01.lab.test resolves to %v, %v; want 127.0.0.21", addrs, err)
	}
	addrs, err = r.LookupHost(t.Context(), dc.Host)
	if err != nil || len(addrs) == 0 || addrs[0] != dc.Addr {
		t.Errorf("%s resolves to %v, %v; want %s", dc.Host, addrs, err, dc.Addr)
	}
}

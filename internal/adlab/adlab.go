// Package adlab runs a real Samba Active Directory domain controller on a
// loopback address for tests: it provisions a fresh domain (LAB.TEST) in a
// temporary directory, serves LDAP, LDAPS (with a certificate from a CA the
// test can trust), Kerberos and DNS, registers computers with DNS records,
// and tears everything down when the test ends.
//
// The DC runs without winbindd and with a private winbindd socket
// directory: when winbind is installed, /etc/nsswitch.conf lists it, and a
// DC's winbindd would answer the machine's user lookups and break logons to
// the standalone lab smbd hosts running beside it.
//
// Start skips the test when Samba can't run here (not root, samba-ad-dc not
// installed), except under CI=true, where it fails instead.
package adlab

import (
	"bytes"
	"cmp"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
	"github.com/patchscan/patchscan/internal/procutil"
	"github.com/patchscan/patchscan/internal/testenv"
)

// Fixed names of the lab domain.
const (
	Realm     = "LAB.TEST"
	Domain    = "lab.test"
	NetBIOS   = "LAB"
	DCName    = "dc1"
	BaseDN    = "DC=lab,DC=test"
	AdminUser = "Administrator"
)

// DC is a running lab domain controller.
type DC struct {
	Addr     string // loopback address it serves on, e.g. 127.77.3.10
	Host     string // dc1.lab.test (registered in its DNS as Addr)
	Password string // Administrator's password (random per lab)
	CAFile   string // PEM of the CA that issued the LDAPS certificate

	dir  string
	conf string
	cmd  *exec.Cmd
	done chan struct{}
	log  *bytes.Buffer
	mu   sync.Mutex
}

// Start provisions and starts a DC; it is stopped when t ends.
func Start(t testing.TB) *DC {
	t.Helper()
	if reason := unavailable(); reason != "" {
		testenv.Missing(t, "Samba AD DC unavailable: %s", reason)
	}
	dir := t.TempDir()
	d := &DC{dir: dir, conf: filepath.Join(dir, "etc", "smb.conf"), Host: DCName + "." + Domain, log: &bytes.Buffer{}}
	d.Password = "Lab-" + randHex(6) + "!9a"

	t0 := time.Now()
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		d.Addr = randomLoopback()
		if err = d.provision(); err == nil {
			break
		}
		_ = os.RemoveAll(filepath.Join(dir, "private"))
		_ = os.RemoveAll(filepath.Join(dir, "etc"))
		_ = os.RemoveAll(filepath.Join(dir, "state"))
	}
	if err != nil {
		testenv.Missing(t, "provisioning the Samba AD DC: %v", err)
	}
	t.Logf("adlab: provisioned %s on %s in %v", Realm, d.Addr, time.Since(t0).Round(time.Millisecond))
	if err := d.start(); err != nil {
		d.stop()
		testenv.Missing(t, "starting the Samba AD DC: %v\n%s", err, d.logTail())
	}
	t.Cleanup(d.stop)
	t.Logf("adlab: DC up after %v", time.Since(t0).Round(time.Millisecond))
	return d
}

func unavailable() string {
	if os.Geteuid() != 0 {
		return "tests must run as root to start samba"
	}
	for _, bin := range []string{"samba", "samba-tool"} {
		if _, err := exec.LookPath(bin); err != nil {
			if _, err2 := os.Stat("/usr/sbin/" + bin); err2 != nil {
				return bin + " not installed (apt-get install samba-ad-dc; see scripts/install-deps)"
			}
		}
	}
	return ""
}

func lookBin(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	return "/usr/sbin/" + name
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// randomLoopback picks an address in 127.77.0.0/16 so labs of concurrent
// test processes don't collide on ports.
func randomLoopback() string {
	b := make([]byte, 2)
	_, _ = rand.Read(b)
	return fmt.Sprintf("127.77.%d.%d", b[0], 2+int(b[1])%250)
}

func (d *DC) run(timeout time.Duration, env []string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, lookBin("samba-tool"), args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Dir = d.dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("samba-tool %s: %v: %s", args[0]+" "+args[1], err, lastLines(string(out), 5))
	}
	return string(out), nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func (d *DC) provision() error {
	opts := []string{
		"interfaces=" + d.Addr + "/8",
		"bind interfaces only=yes",
		// No smbd (the lab hosts own port 445 on their addresses) and no
		// winbindd (it would answer NSS lookups for the lab smbds).
		"server services=ldap cldap dns kdc rpc",
		"winbindd socket directory=" + filepath.Join(d.dir, "winbindd"),
		"pid directory=" + filepath.Join(d.dir, "pid"),
		"ncalrpc dir=" + filepath.Join(d.dir, "ncalrpc"),
		"log file=" + filepath.Join(d.dir, "log.%m"),
		"tls enabled=yes",
		"tls keyfile=" + filepath.Join(d.dir, "tls", "key.pem"),
		"tls certfile=" + filepath.Join(d.dir, "tls", "cert.pem"),
		"tls cafile=" + filepath.Join(d.dir, "tls", "ca.pem"),
	}
	for _, sub := range []string{"winbindd", "pid", "ncalrpc", "tls"} {
		if err := os.MkdirAll(filepath.Join(d.dir, sub), 0o700); err != nil {
			return err
		}
	}
	if err := d.writeCerts(); err != nil {
		return err
	}
	args := []string{"domain", "provision", "--server-role=dc", "--dns-backend=SAMBA_INTERNAL",
		"--targetdir=" + d.dir, "--realm=" + Realm, "--domain=" + NetBIOS,
		"--host-name=" + DCName, "--host-ip=" + d.Addr, "--adminpass=" + d.Password}
	for _, o := range opts {
		args = append(args, "--option="+o)
	}
	if _, err := d.run(2*time.Minute, nil, args...); err != nil {
		return err
	}
	// Provisioning copies the machine's resolver into "dns forwarder";
	// the lab DC must never query anything beyond loopback.
	conf, err := os.ReadFile(d.conf)
	if err != nil {
		return err
	}
	conf = regexp.MustCompile(`(?m)^\s*dns forwarder\s*=.*$`).ReplaceAll(conf, nil)
	return os.WriteFile(d.conf, conf, 0o644)
}

// writeCerts makes a CA and a server certificate for dc1.lab.test and the
// DC's address. Samba's own self-signed certificate has a negative serial
// number, which Go's TLS stack refuses, so the lab brings its own.
func (d *DC) writeCerts() error {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "patchscan lab CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: d.Host},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		DNSNames: []string{d.Host, strings.ToUpper(DCName)}, IPAddresses: []net.IP{net.ParseIP(d.Addr)},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage:    x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	tlsDir := filepath.Join(d.dir, "tls")
	d.CAFile = filepath.Join(tlsDir, "ca.pem")
	write := func(name, typ string, b []byte, mode os.FileMode) error {
		return os.WriteFile(filepath.Join(tlsDir, name), pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), mode)
	}
	if err := write("ca.pem", "CERTIFICATE", caDER, 0o644); err != nil {
		return err
	}
	if err := write("cert.pem", "CERTIFICATE", der, 0o644); err != nil {
		return err
	}
	return write("key.pem", "EC PRIVATE KEY", keyDER, 0o600)
}

func (d *DC) start() error {
	d.cmd = exec.Command(lookBin("samba"), "-s", d.conf, "-i", "-M", "single", "--debug-stdout")
	d.cmd.Stdout, d.cmd.Stderr = &lockedWriter{d: d}, &lockedWriter{d: d}
	// Own process group: cleanup ends samba and anything it spawned.
	d.done = make(chan struct{})
	if err := procutil.StartPinned(d.cmd, func() { close(d.done) }); err != nil {
		return err
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-d.done:
			return errors.New("samba exited during startup")
		default:
		}
		if err := d.ping(); err == nil {
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return errors.New("samba did not answer LDAPS within 60s")
}

type lockedWriter struct{ d *DC }

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.d.mu.Lock()
	defer w.d.mu.Unlock()
	if w.d.log.Len() < 1<<20 {
		w.d.log.Write(p)
	}
	return len(p), nil
}

func (d *DC) logTail() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return lastLines(d.log.String(), 20)
}

// ping binds as Administrator over LDAPS.
func (d *DC) ping() error {
	c, err := d.Admin()
	if err != nil {
		return err
	}
	return c.Close()
}

// TLSConfig trusts the lab CA for the DC's name.
func (d *DC) TLSConfig() *tls.Config {
	pool := x509.NewCertPool()
	if b, err := os.ReadFile(d.CAFile); err == nil {
		pool.AppendCertsFromPEM(b)
	}
	return &tls.Config{RootCAs: pool, ServerName: d.Host, MinVersion: tls.VersionTLS12}
}

// Admin returns an LDAPS connection bound as Administrator.
func (d *DC) Admin() (*ldap.Conn, error) {
	c, err := ldap.DialURL("ldaps://"+net.JoinHostPort(d.Addr, "636"),
		ldap.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}), ldap.DialWithTLSConfig(d.TLSConfig()))
	if err != nil {
		return nil, err
	}
	c.SetTimeout(10 * time.Second)
	if err := c.Bind(NetBIOS+`\`+AdminUser, d.Password); err != nil {
		_ = c.Close()
		return nil, err
	}
	return c, nil
}

// Computer is a computer object to register.
type Computer struct {
	Name     string // NetBIOS name, e.g. WS01
	Addr     string // its A record ("" = none)
	Disabled bool
	// NoDNSHostName leaves dNSHostName unset (as on objects never joined).
	NoDNSHostName bool
	// DNSHostName, when set, is written instead of FQDN (a mistyped
	// or hostile value a directory may hold).
	DNSHostName string
	OU          string // e.g. "OU=Servers" (created if missing); "" = CN=Computers
}

// FQDN is the computer's DNS name in the lab domain.
func (c Computer) FQDN() string { return strings.ToLower(c.Name) + "." + Domain }

// AddComputer adds a computer object with samba-tool, sets its
// dNSHostName over LDAP, registers its A record in the DC's DNS and
// disables it when asked.
func (d *DC) AddComputer(t testing.TB, c Computer) {
	t.Helper()
	env := []string{"PASSWD=" + d.Password} // keeps the password out of argv
	args := []string{"computer", "add", c.Name, "-s", d.conf}
	if c.OU != "" {
		d.ensureOU(t, c.OU)
		args = append(args, "--computerou="+c.OU)
	}
	if _, err := d.run(time.Minute, env, args...); err != nil {
		t.Fatal(err)
	}
	dn := "CN=" + c.Name + ",CN=Computers," + BaseDN
	if c.OU != "" {
		dn = "CN=" + c.Name + "," + c.OU + "," + BaseDN
	}
	{
		conn, err := d.Admin()
		if err != nil {
			t.Fatalf("adlab: LDAP admin bind: %v", err)
		}
		defer conn.Close()
		m := ldap.NewModifyRequest(dn, nil)
		if !c.NoDNSHostName {
			m.Replace("dNSHostName", []string{cmp.Or(c.DNSHostName, c.FQDN())})
		}
		// samba-tool creates the account disabled, as a pre-staged
		// account awaiting its join; a lab computer counts as joined.
		uac := "4096" // WORKSTATION_TRUST_ACCOUNT
		if c.Disabled {
			uac = "4098" // | ACCOUNTDISABLE
		}
		m.Replace("userAccountControl", []string{uac})
		if err := conn.Modify(m); err != nil {
			t.Fatalf("adlab: modifying %s: %v", dn, err)
		}
	}
	if c.Addr != "" {
		if _, err := d.run(time.Minute, env, "dns", "add", d.Addr, Domain, strings.ToLower(c.Name), "A", c.Addr,
			"-U", AdminUser, "-s", d.conf); err != nil {
			t.Fatal(err)
		}
	}
}

func (d *DC) ensureOU(t testing.TB, ou string) {
	t.Helper()
	conn, err := d.Admin()
	if err != nil {
		t.Fatalf("adlab: LDAP admin bind: %v", err)
	}
	defer conn.Close()
	a := ldap.NewAddRequest(ou+","+BaseDN, nil)
	a.Attribute("objectClass", []string{"organizationalUnit"})
	if err := conn.Add(a); err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultEntryAlreadyExists) {
		t.Fatalf("adlab: adding %s: %v", ou, err)
	}
}

// stop ends samba and its process group and waits for it.
func (d *DC) stop() {
	if d.cmd == nil || d.cmd.Process == nil {
		return
	}
	pgid := d.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-d.done
	}
	// Children that outlived the leader still share the group.
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
}

// AddUser creates an enabled domain user with a password, over LDAPS (so
// the password never reaches a command line). Lab tests give it the name
// and password of the lab smbd account, so one --user serves both the
// enumeration and the scans.
func (d *DC) AddUser(t testing.TB, name, password string) {
	t.Helper()
	conn, err := d.Admin()
	if err != nil {
		t.Fatalf("adlab: LDAP admin bind: %v", err)
	}
	defer conn.Close()
	dn := "CN=" + ldap.EscapeDN(name) + ",CN=Users," + BaseDN
	a := ldap.NewAddRequest(dn, nil)
	a.Attribute("objectClass", []string{"user"})
	a.Attribute("sAMAccountName", []string{name})
	a.Attribute("userPrincipalName", []string{name + "@" + Domain})
	if err := conn.Add(a); err != nil {
		t.Fatalf("adlab: adding user %s: %v", name, err)
	}
	// unicodePwd is the quoted password in UTF-16LE.
	q := `"` + password + `"`
	pw := make([]byte, 0, 2*len(q))
	for _, r := range q {
		pw = append(pw, byte(r), byte(r>>8))
	}
	m := ldap.NewModifyRequest(dn, nil)
	m.Replace("unicodePwd", []string{string(pw)})
	m.Replace("userAccountControl", []string{"512"}) // NORMAL_ACCOUNT, enabled
	if err := conn.Modify(m); err != nil {
		t.Fatalf("adlab: setting the password of %s: %v", name, err)
	}
}

// Package lab starts real Samba servers that stand in for Windows hosts in
// integration tests: one standalone smbd per host on its own loopback
// address, with a local account, read-only C$ and ADMIN$ shares shaped like a
// Windows drive, and registry content imported from .reg files, served over
// \PIPE\winreg exactly as a Windows Remote Registry would.
//
// Every file a lab host uses lives under one temporary directory; Stop (or the
// test's Cleanup) kills every process the lab started and removes it.
// Requirements: root (smbd binds port 445 and switches to the lab account),
// the Debian samba package (smbd, net, smbpasswd), and a unix account for
// logons, created once as the system user "patchscan-lab" when missing.
package lab

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"text/template"
	"time"

	"github.com/patchscan/patchscan/internal/procutil"
	"github.com/patchscan/patchscan/internal/testenv"
)

// Account is the unix user smbd maps lab logons to. It needs no home and no
// shell; smbd only switches to it to read the shares.
const Account = "patchscan-lab"

// Workgroup is the lab hosts' workgroup, used as the NTLM domain.
const Workgroup = "LAB"

// Binaries the lab runs; variables so a test machine with another layout
// can point elsewhere.
var (
	SMBD      = "/usr/sbin/smbd"
	NET       = "/usr/bin/net"
	SMBPASSWD = "/usr/bin/smbpasswd"
)

// File places one file on a lab host's C: drive.
type File struct {
	Path   string // Windows path under C:\, e.g. `Windows\System32\drivers\srv.sys`
	Src    string // file to copy; relative paths are relative to the repository root
	Append []byte // bytes appended to the copy (same version resource, other checksum)
	// Mode of the copy; 0 = 0644. 0600 makes it unreadable to the lab
	// account (the file is root's): a per-file access-denied.
	Mode os.FileMode
}

// HostSpec describes one lab host.
type HostSpec struct {
	Name  string   // short name: "patched"; also the NetBIOS name
	Addr  string   // IPv4 loopback address; "" picks a free one
	Reg   []string // .reg files imported in order; relative to the repository root
	Files []File
	// NoWinreg leaves \PIPE\winreg without a server (Remote Registry stopped).
	NoWinreg bool
	// RejectPassword gives the host's account a different password, so a
	// scan with Lab.Password fails to log on.
	RejectPassword bool
	// Encrypt makes the host require SMB3 encryption.
	Encrypt bool
	// DenyAdminShares refuses C$ and ADMIN$ to the lab account, as Windows
	// does for an account that is not an administrator.
	DenyAdminShares bool
	// Users are local accounts beside the lab's own (accounts.go).
	Users []User
	// Guest puts the Guest account (RID 501) in the host's account
	// database, so that MS-SAMR enumerates it as Windows does. Samba
	// serves it from its guest account (nobody), and always as enabled.
	Guest bool
	// Administrators are the members of BUILTIN\Administrators
	// (S-1-5-32-544): account names on this host (Account for the lab's
	// own) or SIDs. Empty leaves Samba's default, where the alias does not
	// exist. With Account in it, the lab account is an administrator as a
	// Windows scanning account is, and LSA and SAMR grant it what they
	// grant administrators.
	Administrators []string
	// Shares are disk shares beside C$ and ADMIN$.
	Shares []Share
	// DataDriveFS, when set, gives the host a second fixed drive, D$,
	// whose file system Samba reports under this name (its "fstype":
	// "FAT32" for a volume without permissions, issue 16).
	DataDriveFS string
}

// Host is a running lab host.
type Host struct {
	Name   string
	IP     string // loopback address the host listens on; "0.0.0.0" in shared mode
	Port   int
	Domain string
	User   string
	// Password is the password this host accepts. It differs from
	// Lab.Password for a RejectPassword host. Never log it.
	Password string

	dir  string
	conf string
	cmd  *exec.Cmd
	done chan struct{}
	log  string
}

// Addr is host:port to dial.
func (h *Host) Addr() string { return net.JoinHostPort(h.IP, strconv.Itoa(h.Port)) }

// Dir is the host's state directory (smb.conf, logs, the C: tree).
func (h *Host) Dir() string { return h.dir }

// Conf is the path of the host's smb.conf (for net/smbclient -s).
func (h *Host) Conf() string { return h.conf }

// Lab is a set of running hosts.
type Lab struct {
	Dir      string
	Domain   string
	User     string
	Password string // the password scans should use; never log it
	Hosts    []*Host

	stopOnce sync.Once
	stopErr  error
}

// Host returns the host with the given name, or nil.
func (l *Lab) Host(name string) *Host {
	for _, h := range l.Hosts {
		if h.Name == name {
			return h
		}
	}
	return nil
}

// Config tunes a lab started with Run.
type Config struct {
	// Port smbd listens on; 0 = 445.
	Port int
	// Shared starts a single smbd for the first HostSpec listening on
	// 0.0.0.0:Port, so every 127.x.y.z address reaches it (fleet tests).
	// Port 0 then picks a free port.
	Shared bool
	// StartTimeout bounds each host's start; 0 = 15s.
	StartTimeout time.Duration
	// Password for the lab account; "" generates one.
	Password string
}

// ErrUnavailable wraps every reason the lab cannot run on this machine
// (not root, Samba missing): tests skip on it unless CI=true.
var ErrUnavailable = errors.New("lab unavailable")

// Start starts the hosts for a test and stops them on t.Cleanup. When the
// lab cannot start, the test is skipped locally and fails when CI=true.
func Start(t testing.TB, hosts ...HostSpec) *Lab {
	t.Helper()
	return StartConfig(t, Config{}, hosts...)
}

// StartConfig is Start with a Config.
func StartConfig(t testing.TB, cfg Config, hosts ...HostSpec) *Lab {
	t.Helper()
	return testenv.Up(t, "samba lab", func() (*Lab, error) { return Run(t.TempDir(), cfg, hosts...) }, (*Lab).Stop)
}

// Run starts the hosts with their state under dir (created if needed). The
// caller must call Stop.
func Run(dir string, cfg Config, hosts ...HostSpec) (*Lab, error) {
	if len(hosts) == 0 {
		return nil, errors.New("lab: no hosts given")
	}
	if err := checkEnv(); err != nil {
		return nil, err
	}
	if cfg.StartTimeout == 0 {
		cfg.StartTimeout = 15 * time.Second
	}
	if cfg.Shared {
		hosts = hosts[:1]
		if cfg.Port == 0 {
			p, err := freePort()
			if err != nil {
				return nil, err
			}
			cfg.Port = p
		}
	} else if cfg.Port == 0 {
		cfg.Port = 445
	}
	if cfg.Password == "" {
		cfg.Password = randomPassword()
	}
	// smbd reads the shares as the lab account, which must be able to walk
	// down to them: t.TempDir and its parent are 0700.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	for _, d := range []string{dir, filepath.Dir(dir)} {
		if d != "/" && d != os.TempDir() {
			if err := os.Chmod(d, 0o755); err != nil {
				return nil, fmt.Errorf("lab: making %s readable for %s: %w", d, Account, err)
			}
		}
	}
	l := &Lab{Dir: dir, Domain: Workgroup, User: Account, Password: cfg.Password}
	addrs, err := pickAddrs(hosts, cfg)
	if err != nil {
		return nil, err
	}
	// Hosts start concurrently: each is a few Samba tool runs and an smbd
	// start-up, mostly waiting.
	l.Hosts = make([]*Host, len(hosts))
	errs := make([]error, len(hosts))
	var wg sync.WaitGroup
	for i, spec := range hosts {
		wg.Go(func() {
			l.Hosts[i], errs[i] = l.start(spec, addrs[i], cfg)
			if errs[i] != nil {
				errs[i] = fmt.Errorf("lab host %s: %w", spec.Name, errs[i])
			}
		})
	}
	wg.Wait()
	started := l.Hosts[:0]
	for _, h := range l.Hosts {
		if h != nil {
			started = append(started, h)
		}
	}
	l.Hosts = started
	if err := errors.Join(errs...); err != nil {
		_ = l.Stop()
		return nil, err
	}
	return l, nil
}

func checkEnv() error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("%w: must run as root (smbd binds port 445 and switches users)", ErrUnavailable)
	}
	for _, b := range []string{SMBD, NET, SMBPASSWD} {
		if _, err := os.Stat(b); err != nil {
			return fmt.Errorf("%w: %s missing: install the samba package (make deps)", ErrUnavailable, b)
		}
	}
	return ensureAccount()
}

// sambaEnv keeps the machine's winbindd (listed in /etc/nsswitch.conf when
// winbind is installed, and possibly running for a test DC) from answering
// the lab's user lookups: nss_winbind honours _NO_WINBINDD.
func sambaEnv() []string {
	return append(os.Environ(), "_NO_WINBINDD=1", "WINBINDD_SOCKET_DIR=/nonexistent")
}

func (l *Lab) start(spec HostSpec, ip string, cfg Config) (*Host, error) {
	if spec.Name == "" || strings.ContainsAny(spec.Name, `/\ `) {
		return nil, fmt.Errorf("bad host name %q", spec.Name)
	}
	if err := checkAccounts(spec); err != nil {
		return nil, err
	}
	h := &Host{Name: spec.Name, IP: ip, Port: cfg.Port, Domain: Workgroup, User: Account,
		Password: l.Password, dir: filepath.Join(l.Dir, spec.Name), done: make(chan struct{})}
	if spec.RejectPassword {
		h.Password = randomPassword()
	}
	dirs := []string{"lock", "state", "cache", "private", "pid", "ncalrpc", "binddns", "log", "C/Windows/System32/drivers"}
	for _, s := range spec.Shares {
		dirs = append(dirs, "shares/"+s.Name)
	}
	if spec.DataDriveFS != "" {
		dirs = append(dirs, "D")
	}
	for _, d := range dirs {
		if err := os.MkdirAll(filepath.Join(h.dir, d), 0o755); err != nil {
			return nil, err
		}
	}
	if err := os.Chmod(filepath.Join(h.dir, "private"), 0o700); err != nil {
		return nil, err
	}
	iface := ip
	if cfg.Shared {
		iface = ""
	}
	netbios := strings.ToUpper(strings.ReplaceAll(spec.Name, "-", ""))
	if len(netbios) > 15 {
		netbios = netbios[:15]
	}
	h.conf = filepath.Join(h.dir, "smb.conf")
	if err := renderConf(h.conf, map[string]any{
		"Dir": h.dir, "Name": spec.Name, "NetBIOS": netbios, "Workgroup": Workgroup,
		"Interface": iface, "Port": cfg.Port, "NoWinreg": spec.NoWinreg, "User": Account,
		"Encrypt": spec.Encrypt, "DenyAdminShares": spec.DenyAdminShares, "Shares": spec.Shares,
		"DataDriveFS": spec.DataDriveFS,
	}); err != nil {
		return nil, err
	}
	for _, f := range spec.Files {
		if err := placeFile(filepath.Join(h.dir, "C"), f); err != nil {
			return nil, err
		}
	}
	if err := run(strings.NewReader(h.Password+"\n"+h.Password+"\n"), SMBPASSWD, "-c", h.conf, "-a", "-s", Account); err != nil {
		return nil, fmt.Errorf("adding samba account: %w", err)
	}
	if err := h.addAccounts(spec); err != nil {
		return nil, err
	}
	for i, r := range spec.Reg {
		path, err := padReg(repoPath(r), filepath.Join(h.dir, fmt.Sprintf("import-%d.reg", i)))
		if err != nil {
			return nil, err
		}
		if err := run(nil, NET, "-s", h.conf, "registry", "import", path); err != nil {
			return nil, fmt.Errorf("importing %s: %w", r, err)
		}
	}
	h.log = filepath.Join(h.dir, "log", "smbd.out")
	logf, err := os.Create(h.log)
	if err != nil {
		return nil, err
	}
	// auth_audit:2 logs every failed authentication (Samba's
	// AUTH_FAILURE_LEVEL), which FailedLogons counts.
	cmd := exec.Command(SMBD, "-s", h.conf, "-F", "--no-process-group", "--debug-stdout", "-d", "1 auth_audit:2")
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = sambaEnv()
	// Its own process group, so Stop reaches smbd's forked children too;
	// and smbd dies with the test binary if that is killed (timeout).
	h.cmd = cmd
	if err := procutil.StartPinned(cmd, func() { logf.Close(); close(h.done) }); err != nil {
		h.cmd = nil
		logf.Close()
		return nil, fmt.Errorf("starting smbd: %w", err)
	}
	if err := h.waitReady(cfg.StartTimeout); err != nil {
		return h, err
	}
	return h, nil
}

func (h *Host) waitReady(timeout time.Duration) error {
	dialIP := h.IP
	if dialIP == "0.0.0.0" {
		dialIP = "127.0.0.1"
	}
	addr := net.JoinHostPort(dialIP, strconv.Itoa(h.Port))
	deadline := time.Now().Add(timeout)
	for {
		select {
		case <-h.done:
			return fmt.Errorf("smbd exited during start: %s", tail(h.log))
		default:
		}
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("smbd not listening on %s after %v: %s", addr, timeout, tail(h.log))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// padReg works around Samba 4.17's .reg parser, which drops a file's last
// value unless a blank line follows it: a file not ending with one is
// imported from a copy (tmp) that does.
func padReg(src, tmp string) (string, error) {
	b, err := os.ReadFile(src)
	if err != nil {
		return "", fmt.Errorf("registry file: %w", err)
	}
	t := bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	if bytes.HasSuffix(t, []byte("\n\n")) {
		return src, nil
	}
	eol := "\n"
	if bytes.Contains(b, []byte("\r\n")) {
		eol = "\r\n"
	}
	if err := os.WriteFile(tmp, append(b, eol+eol...), 0o644); err != nil {
		return "", err
	}
	return tmp, nil
}

func renderConf(path string, data map[string]any) error {
	src, err := os.ReadFile(repoPath("testdata/lab/smb.conf.tmpl"))
	if err != nil {
		return err
	}
	tmpl, err := template.New("smb.conf").Option("missingkey=error").Parse(string(src))
	if err != nil {
		return fmt.Errorf("smb.conf template: %w", err)
	}
	var b bytes.Buffer
	if err := tmpl.Execute(&b, data); err != nil {
		return fmt.Errorf("smb.conf template: %w", err)
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

func placeFile(root string, f File) error {
	rel := filepath.FromSlash(strings.ReplaceAll(f.Path, `\`, "/"))
	if !filepath.IsLocal(rel) {
		return fmt.Errorf("lab file %q is not a path under C:\\", f.Path)
	}
	dst := filepath.Join(root, rel)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	in, err := os.Open(repoPath(f.Src))
	if err != nil {
		return fmt.Errorf("lab file source: %w", err)
	}
	defer in.Close()
	mode := f.Mode
	if mode == 0 {
		mode = 0o644
	}
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if _, err := out.Write(f.Append); err != nil {
		out.Close()
		return err
	}
	if err := out.Chmod(mode); err != nil { // umask may have narrowed it
		out.Close()
		return err
	}
	return out.Close()
}

func run(stdin io.Reader, name string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = stdin
	cmd.Env = sambaEnv()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v: %s", filepath.Base(name), strings.Join(args, " "), err, filterWarnings(out))
	}
	return nil
}

// filterWarnings drops Samba's harmless "no network interfaces" chatter.
func filterWarnings(out []byte) string {
	var keep []string
	for _, l := range strings.Split(string(out), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.Contains(l, "no network interfaces found") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "; ")
}

func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(no smbd log)"
	}
	if len(b) > 800 {
		b = b[len(b)-800:]
	}
	return "smbd log: " + strings.TrimSpace(string(b))
}

// RepoRoot is the repository root, found from this source file so tests in
// any package and `go run` find testdata/lab.
func RepoRoot() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "."
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

func repoPath(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(RepoRoot(), filepath.FromSlash(p))
}

func randomPassword() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "Lab-" + hex.EncodeToString(b)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("lab: finding a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// pickAddrs gives each host its loopback address: the spec's, or a free one
// in a random /24 of 127.0.0.0/8 so labs of concurrently running test
// packages never collide on port 445.
func pickAddrs(hosts []HostSpec, cfg Config) ([]string, error) {
	if cfg.Shared {
		return []string{"0.0.0.0"}, nil
	}
	out := make([]string, len(hosts))
	for attempt := 0; attempt < 20; attempt++ {
		var b [2]byte
		_, _ = rand.Read(b[:])
		base := fmt.Sprintf("127.%d.%d.", 100+int(b[0])%150, b[1])
		ok := true
		for i, h := range hosts {
			ip := h.Addr
			if ip == "" {
				ip = base + strconv.Itoa(10+i)
			}
			if !portFree(ip, cfg.Port) {
				ok = false
				break
			}
			out[i] = ip
		}
		if ok {
			return out, nil
		}
		for _, h := range hosts {
			if h.Addr != "" {
				return nil, fmt.Errorf("lab: %s port %d is in use (another lab running? stop it first)", h.Addr, cfg.Port)
			}
		}
	}
	return nil, errors.New("lab: no free loopback address found")
}

func portFree(ip string, port int) bool {
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

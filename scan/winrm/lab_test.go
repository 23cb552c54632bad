package winrm_test

import (
	"context"
	"net"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/detect/memhost"
	"github.com/patchscan/patchscan/internal/lab"
	"github.com/patchscan/patchscan/internal/netguard"
	"github.com/patchscan/patchscan/scan/smb"
	"github.com/patchscan/patchscan/scan/transport"
	"github.com/patchscan/patchscan/scan/winrm"
	"github.com/patchscan/patchscan/scan/winrm/winrmtest"
)

func labFixture(t *testing.T, spec lab.HostSpec) *memhost.Host {
	t.Helper()
	h, err := winrmtest.LabHost(spec)
	if err != nil {
		t.Fatalf("lab fixture %s: %v", spec.Name, err)
	}
	return h
}

func labCatalog(t *testing.T) *catalog.Catalog {
	t.Helper()
	cat, err := catalog.LoadFile(filepath.Join(lab.RepoRoot(), "testdata", "catalogs", "lab.xml"))
	if err != nil {
		t.Fatalf("lab catalog: %v", err)
	}
	return cat
}

// TestCrossTransportEquivalence scans every lab host over SMB (the real
// Samba host) and over WinRM (the test server on the same address,
// answering from the same fixtures) and requires the same report.
func TestCrossTransportEquivalence(t *testing.T) {
	specs := lab.StandardHosts()
	l := lab.Start(t, specs...)
	cat := labCatalog(t)
	for _, spec := range specs {
		h := l.Host(spec.Name)
		if h == nil {
			t.Fatalf("lab host %s did not start", spec.Name)
		}
		expected := lab.Expected[spec.Name]
		srv, err := winrmtest.Start(winrmtest.Options{
			ListenAddr: net.JoinHostPort(h.IP, "0"),
			Host:       labFixture(t, spec),
			Account:    winrmtest.Account{Domain: h.Domain, User: h.User, Password: h.Password},
			// A host where the account is no administrator: WinRM
			// refuses the shell as SMB refuses the admin shares.
			DenyShell: expected == string(transport.AccessDenied),
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(srv.Close)
		ep := transport.Endpoint{Host: h.IP, Addr: h.Addr()}
		opts := transport.Options{Credentials: transport.Credentials{Domain: l.Domain, User: l.User, Password: l.Password}, Timeout: 20 * time.Second}
		openers := map[string]transport.Opener{
			"smb":   smb.NewOpener(smb.Config{Dial: netguard.Loopback.DialContext}),
			"winrm": winrm.NewOpener(onLoopback(winrm.Config{Port: srv.Port})),
		}
		for _, mode := range []detect.ChecksumMode{detect.ChecksumOn, detect.ChecksumOff} {
			t.Run(spec.Name+"/"+mode.String(), func(t *testing.T) {
				eng := detect.New(cat, detect.Options{Checksums: mode})
				reports, kinds := scanEach(t, eng, openers, ep, opts)
				switch spec.Name {
				case lab.NoWinreg:
					// The point of WinRM: no Remote Registry needed.
					if kinds["smb"] != transport.Failed || reports["winrm"] == nil {
						t.Fatalf("no-winreg host: smb %q, winrm report %v; want smb to fail and winrm to scan", kinds["smb"], reports["winrm"] != nil)
					}
					return
				}
				switch transport.Outcome(expected) {
				case transport.AuthFailed, transport.AccessDenied, transport.Unreachable, transport.Failed:
					// A host-level outcome: both transports must reach it.
					if kinds["smb"] != transport.Outcome(expected) || kinds["winrm"] != transport.Outcome(expected) {
						t.Fatalf("%s host: smb %q, winrm %q; want %s from both", spec.Name, kinds["smb"], kinds["winrm"], expected)
					}
					return
				}
				rs, rw := reports["smb"], reports["winrm"]
				if rs == nil || rw == nil {
					t.Fatalf("a transport failed: %v", kinds)
				}
				sameReport(t, rs, rw)
				for _, r := range rw.Results {
					if r.BulletinID == "MS17-010" && mode == detect.ChecksumOn && string(r.Status) != expected {
						t.Errorf("MS17-010 over WinRM: %s, want %s", r.Status, expected)
					}
				}
				if st := srv.Stats(); srv.OpenShells() != 0 || st.ShellsCreated != st.ShellsDeleted {
					t.Errorf("shells leaked: %+v, open %d", st, srv.OpenShells())
				}
			})
		}
	}
}

// scanEach scans ep with each opener; a transport that fails gives the
// outcome it failed with instead of a report.
func scanEach(t *testing.T, eng *detect.Engine, openers map[string]transport.Opener, ep transport.Endpoint, opts transport.Options) (map[string]*detect.Report, map[string]transport.Outcome) {
	t.Helper()
	reports := map[string]*detect.Report{}
	kinds := map[string]transport.Outcome{}
	for name, op := range openers {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		s, err := op.Open(ctx, ep, opts)
		if err != nil {
			kinds[name] = transport.OutcomeOf(err)
			t.Logf("%s: %v", name, err)
			continue
		}
		rep, err := eng.Scan(ctx, s)
		s.Close()
		if err != nil {
			// Some host-level failures (admin shares refused)
			// only show when the first file is read.
			kinds[name] = transport.OutcomeOf(err)
			t.Logf("%s scan: %v", name, err)
			continue
		}
		reports[name] = rep
	}
	return reports, kinds
}

// sameReport: the SMB and WinRM reports of one host say the same, and
// the engine asked both the same way.
func sameReport(t *testing.T, rs, rw *detect.Report) {
	t.Helper()
	if len(rs.Results) == 0 || rs.Facts == 0 {
		t.Fatalf("empty SMB report (%d results, %d facts): nothing compared", len(rs.Results), rs.Facts)
	}
	if !reflect.DeepEqual(rs.OS, rw.OS) || !reflect.DeepEqual(rs.Products, rw.Products) {
		t.Errorf("host identity differs:\nsmb   %+v %v\nwinrm %+v %v", rs.OS, rs.Products, rw.OS, rw.Products)
	}
	if !reflect.DeepEqual(rs.Results, rw.Results) {
		t.Errorf("results differ:\nsmb   %+v\nwinrm %+v", rs.Results, rw.Results)
	}
	if rs.Facts != rw.Facts || rs.Batches != rw.Batches {
		t.Errorf("engine asked differently: smb %d facts/%d batches, winrm %d/%d", rs.Facts, rs.Batches, rw.Facts, rw.Batches)
	}
}

// TestAutoFallsBackOnLab runs the auto transport against the lab: a host
// with SMB and winreg stays on SMB, the no-winreg host falls back to WinRM.
func TestAutoFallsBackOnLab(t *testing.T) {
	specs := []lab.HostSpec{}
	for _, s := range lab.StandardHosts() {
		if s.Name == lab.Patched || s.Name == lab.NoWinreg || s.Name == lab.WrongPassword {
			specs = append(specs, s)
		}
	}
	l := lab.Start(t, specs...)
	cat := labCatalog(t)
	want := map[string]string{lab.Patched: "smb", lab.NoWinreg: "winrm", lab.WrongPassword: ""}
	for _, spec := range specs {
		t.Run(spec.Name, func(t *testing.T) {
			h := l.Host(spec.Name)
			srv, err := winrmtest.Start(winrmtest.Options{
				ListenAddr: net.JoinHostPort(h.IP, "0"),
				Host:       labFixture(t, spec),
				Account:    winrmtest.Account{Domain: h.Domain, User: h.User, Password: h.Password},
			})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			auto := transport.NewAuto(smb.NewOpener(smb.Config{Dial: netguard.Loopback.DialContext}), winrm.NewOpener(onLoopback(winrm.Config{Port: srv.Port})))
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			s, err := auto.Open(ctx, transport.Endpoint{Host: h.IP, Addr: h.Addr()},
				transport.Options{Credentials: transport.Credentials{Domain: l.Domain, User: l.User, Password: l.Password}, Timeout: 20 * time.Second})
			if want[spec.Name] == "" {
				if transport.OutcomeOf(err) != transport.AuthFailed {
					t.Fatalf("wrong password: %v, want auth-failed", err)
				}
				if srv.Stats().Requests != 0 {
					t.Error("auto tried WinRM after SMB refused the logon")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if got := transport.SessionTransport(s, auto.Name()); got != want[spec.Name] {
				t.Errorf("transport %q, want %q", got, want[spec.Name])
			}
			rep, err := detect.New(cat, detect.Options{Checksums: detect.ChecksumOn}).Scan(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rep.Results {
				if r.BulletinID == "MS17-010" && r.Status != detect.StatusInstalled {
					t.Errorf("MS17-010 %s, want installed", r.Status)
				}
			}
		})
	}
}

// TestAutoFallsBackWhen445Closed needs no lab: SMB's port is closed, the
// WinRM test server answers.
func TestAutoFallsBackWhen445Closed(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().(*net.TCPAddr).Port
	l.Close()
	srv := start(t, winrmtest.Options{})
	auto := transport.NewAuto(smb.NewOpener(smb.Config{Dial: netguard.Loopback.DialContext}), winrm.NewOpener(onLoopback(winrm.Config{Port: srv.Port})))
	s, err := auto.Open(context.Background(), transport.Endpoint{Host: "127.0.0.1", Addr: "127.0.0.1:" + strconv.Itoa(closed)}, options(goodCreds))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := transport.SessionTransport(s, auto.Name()); got != "winrm" {
		t.Errorf("transport %q, want winrm", got)
	}
	got, err := s.Facts(context.Background(), batch[:1])
	if err != nil || !got[0].Found {
		t.Errorf("Facts over the fallback = %+v, %v", got, err)
	}
}

// TestRoundTrips scans the patched lab fixture (no Samba needed: the test
// server answers from the fixtures) and states the WinRM cost: HTTP
// exchanges per host against facts asked, with checksums on.
func TestRoundTrips(t *testing.T) {
	var spec lab.HostSpec
	for _, s := range lab.StandardHosts() {
		if s.Name == lab.Patched {
			spec = s
		}
	}
	srv := start(t, winrmtest.Options{Host: labFixture(t, spec), ChunkSize: 64 << 10})
	ctx := context.Background()
	s, err := winrm.NewOpener(onLoopback(httpCfg(srv))).Open(ctx, endpoint(srv), options(goodCreds))
	if err != nil {
		t.Fatal(err)
	}
	opened := srv.Stats().Requests
	rep, err := detect.New(labCatalog(t), detect.Options{Checksums: detect.ChecksumOn}).Scan(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	scanned := srv.Stats().Requests - opened
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	st := srv.Stats()
	total := st.Requests
	t.Logf("patched lab host over WinRM: %d facts in %d batches; open (NTLM handshake + create shell) %d HTTP exchanges, scan %d (command, send, receive, signal per batch), close %d; total %d",
		rep.Facts, rep.Batches, opened, scanned, total-opened-scanned, total)
	// Anonymous try, NTLM negotiate, NTLM authenticate carrying Create;
	// 4 per batch with the output in one Receive; Delete.
	if opened != 3 || scanned != 4*rep.Batches || total != opened+scanned+1 {
		t.Errorf("HTTP exchanges: open %d, scan %d for %d batches, total %d; want 3, %d, %d", opened, scanned, rep.Batches, total, 4*rep.Batches, 3+4*rep.Batches+1)
	}
	if st.Commands != rep.Batches {
		t.Errorf("%d commands for %d batches", st.Commands, rep.Batches)
	}
}

package pglab

import (
	"context"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestServerRunsOnLoopbackWithPasswords starts a cluster, checks that it
// listens on its loopback address only, that a login needs the password,
// and that Stop leaves no postgres process behind.
func TestServerRunsOnLoopbackWithPasswords(t *testing.T) {
	s := Start(t)
	if ip := net.ParseIP(s.Host); ip == nil || !ip.IsLoopback() {
		t.Fatalf("listens on %q, not a loopback address", s.Host)
	}
	dsn, err := s.CreateDB("pglab_test")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(dsn, s.Password) {
		t.Fatal("CreateDB's URL holds the password")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := s.Connect(ctx, "pglab_test")
	if err != nil {
		t.Fatal(err)
	}
	var v string
	if err := conn.QueryRow(ctx, "SHOW server_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	t.Logf("PostgreSQL %s on %s:%d", v, s.Host, s.Port)

	// psql with a wrong password is refused: logins over TCP need it.
	psql, err := exec.LookPath("psql")
	if err == nil {
		cmd := exec.Command(psql, "-w", "-h", s.Host, "-p", strconv.Itoa(s.Port), "-U", User, "-d", "pglab_test", "-c", "SELECT 1")
		cmd.Env = []string{"PGPASSWORD=wrong", "PGCONNECT_TIMEOUT=5"}
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "password authentication failed") {
			t.Errorf("psql with a wrong password: err %v, output %s", err, out)
		}
		cmd = exec.Command(psql, "-w", "-h", s.Host, "-p", strconv.Itoa(s.Port), "-U", User, "-d", "pglab_test", "-tAc", "SELECT 41+1")
		cmd.Env = append(s.Env(), "PGCONNECT_TIMEOUT=5")
		out, err = cmd.CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "42" {
			t.Errorf("psql with PGPASSWORD: err %v, output %s", err, out)
		}
	}

	pid := s.cmd.Process.Pid
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := exec.Command("kill", "-0", strconv.Itoa(pid)).Run(); err == nil {
		t.Errorf("postgres (pid %d) still runs after Stop", pid)
	}
	if c, err := net.DialTimeout("tcp", net.JoinHostPort(s.Host, strconv.Itoa(s.Port)), time.Second); err == nil {
		c.Close()
		t.Error("the port still answers after Stop")
	}
}

func TestValidName(t *testing.T) {
	for name, want := range map[string]bool{"patchscan": true, "a_1": true, "": false, "1a": false, "A": false, "x;drop": false, strings.Repeat("a", 64): false} {
		if got := validName(name); got != want {
			t.Errorf("validName(%q) = %v, want %v", name, got, want)
		}
	}
}

package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseUser(t *testing.T) {
	tests := []struct {
		in, domain, user string
		bad              bool
	}{
		{`CORP\scanner`, "CORP", "scanner", false},
		{`scanner@corp.example`, "corp.example", "scanner", false},
		{`first.last@sub@corp.example`, "corp.example", "first.last@sub", false},
		{`scanner`, "", "scanner", false},
		{` CORP\scanner `, "CORP", "scanner", false},
		{``, "", "", true},
		{`\scanner`, "", "", true},
		{`CORP\`, "", "", true},
		{`A\B\C`, "", "", true},
		{`@corp`, "", "", true},
		{`user@`, "", "", true},
		{`CORP\user@corp`, "", "", true},
		{"us\ner", "", "", true},
	}
	for _, tc := range tests {
		d, u, err := parseUser(tc.in)
		if tc.bad {
			var ee *exitError
			if err == nil || !errors.As(err, &ee) || ee.code != ExitUsage {
				t.Errorf("parseUser(%q) = %q, %q, %v; want a usage error", tc.in, d, u, err)
			}
			continue
		}
		if err != nil || d != tc.domain || u != tc.user {
			t.Errorf("parseUser(%q) = %q, %q, %v; want %q, %q", tc.in, d, u, err, tc.domain, tc.user)
		}
	}
}

func TestCredsResolve(t *testing.T) {
	const secret = "Tr0ub4dor&3-secret"
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("pw", secret+"\r\nignored second line\n", 0o600)
	open := write("pw-open", secret+"\n", 0o644)
	empty := write("pw-empty", "\n", 0o600)
	huge := write("pw-huge", strings.Repeat("x", maxPasswordFile+1), 0o600)

	tests := []struct {
		name      string
		flags     credFlags
		env       map[string]string
		tty       bool
		typed     string
		wantPass  string
		wantHash  bool
		wantErr   string
		wantWarn  string
		wantShown string // on stderr (the prompt)
	}{
		{name: "env", flags: credFlags{user: `LAB\u`}, env: map[string]string{envPassword: secret}, wantPass: secret},
		{name: "file wins over env", flags: credFlags{user: `LAB\u`, passwordFile: good}, env: map[string]string{envPassword: "other"}, wantPass: secret},
		{name: "file readable by others warns", flags: credFlags{user: `LAB\u`, passwordFile: open}, wantPass: secret, wantWarn: "readable by other users"},
		{name: "empty file", flags: credFlags{user: `LAB\u`, passwordFile: empty}, wantErr: "first line is empty"},
		{name: "huge file", flags: credFlags{user: `LAB\u`, passwordFile: huge}, wantErr: "longer than"},
		{name: "missing file", flags: credFlags{user: `LAB\u`, passwordFile: filepath.Join(dir, "nope")}, wantErr: "--password-file"},
		{name: "nt hash", flags: credFlags{user: `LAB\u`}, env: map[string]string{envNTHash: "aad3b435b51404eeaad3b435b51404ee:31d6cfe0d16ae931b73c59d7e0c089c0"}, wantHash: true},
		{name: "bad nt hash", flags: credFlags{user: `LAB\u`}, env: map[string]string{envNTHash: secret}, wantErr: "not an NT hash"},
		{name: "prompt on a terminal", flags: credFlags{user: `LAB\u`}, tty: true, typed: secret, wantPass: secret, wantShown: `Password for LAB\u: `},
		{name: "empty typed password", flags: credFlags{user: `LAB\u`}, tty: true, typed: "", wantErr: "empty password"},
		{name: "no password and no terminal", flags: credFlags{user: `LAB\u`}, wantErr: "no password for LAB\\u: set PATCHSCAN_PASSWORD"},
		{name: "no user", flags: credFlags{}, env: map[string]string{envPassword: secret}, wantErr: "no --user"},
		{name: "file without user", flags: credFlags{passwordFile: good}, wantErr: "--password-file needs --user"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			src := credSource{
				getenv:   func(k string) string { return tc.env[k] },
				isTTY:    tc.tty,
				readPass: func() ([]byte, error) { return []byte(tc.typed), nil },
				stderr:   &stderr,
				stat:     os.Stat,
			}
			f := tc.flags
			c, err := f.resolve(src)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if c.Password != tc.wantPass || (len(c.NTHash) == 16) != tc.wantHash {
				t.Errorf("password %q hash %x, want %q hash %v", c.Password, c.NTHash, tc.wantPass, tc.wantHash)
			}
			if tc.wantWarn != "" && !strings.Contains(stderr.String(), tc.wantWarn) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tc.wantWarn)
			}
			if tc.wantShown != "" && !strings.HasPrefix(stderr.String(), tc.wantShown) {
				t.Errorf("stderr %q does not start with the prompt %q", stderr.String(), tc.wantShown)
			}
			all := stderr.String() + fmt.Sprint(err) + fmt.Sprintf("%v %+v %#v", c, c, c)
			if strings.Contains(all, secret) {
				t.Errorf("the secret appears in output, errors or formatting: %s", all)
			}
		})
	}
}

package transport

import (
	"strings"
	"testing"
)

// TestRedact: every form of a secret is removed (issue 13.8: the NT hash
// and passwords shorter than 4 characters were left in).
func TestRedact(t *testing.T) {
	hash := []byte{0x88, 0x46, 0xf7, 0xea, 0xee, 0x8f, 0xb1, 0x17, 0xad, 0x06, 0xbd, 0xd8, 0x30, 0xb7, 0x58, 0x6c}
	tests := []struct {
		name string
		c    Credentials
		in   string
		want string
		gone []string
	}{
		{"long password anywhere", Credentials{Password: "Secr3t!"}, "login as x with Secr3t!failed", "login as x with <redacted>failed", []string{"Secr3t!"}},
		{"3-letter password as a word", Credentials{Password: "abc"}, "bad password 'abc' (abc)", "bad password '<redacted>' (<redacted>)", []string{"'abc'"}},
		{"1-letter password", Credentials{Password: "x"}, "x: password x refused by x.", "<redacted>: password <redacted> refused by <redacted>.", nil},
		{"short password inside words stays", Credentials{Password: "ab"}, "tab about abba", "tab about abba", nil},
		{"short password at the ends", Credentials{Password: "pw"}, "pw", "<redacted>", []string{"pw"}},
		{"NT hash lower", Credentials{NTHash: hash}, "hash 8846f7eaee8fb117ad06bdd830b7586c used", "hash <redacted> used", []string{"8846f7eaee8fb117ad06bdd830b7586c"}},
		{"NT hash upper, LM:NT", Credentials{NTHash: hash}, "aad3b435b51404eeaad3b435b51404ee:8846F7EAEE8FB117AD06BDD830B7586C", "aad3b435b51404eeaad3b435b51404ee:<redacted>", []string{"8846F7EAEE8FB117AD06BDD830B7586C"}},
		{"NT hash mixed case", Credentials{NTHash: hash}, "8846f7EAEE8fb117ad06bdd830b7586C", "<redacted>", nil},
		{"nothing to redact", Credentials{}, "plain", "plain", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.c.Redact(tc.in)
			if got != tc.want {
				t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
			}
			for _, g := range tc.gone {
				if strings.Contains(got, g) {
					t.Errorf("%q still in %q", g, got)
				}
			}
		})
	}
}

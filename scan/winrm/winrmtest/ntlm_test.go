package winrmtest

import (
	"encoding/base64"
	"testing"

	"github.com/Azure/go-ntlmssp"
)

// TestVerifyAuthenticate runs the client library's NTLMv2 against the
// server half: the right password passes, anything else fails.
func TestVerifyAuthenticate(t *testing.T) {
	acct := Account{Domain: "LAB", User: "scanner", Password: "pw-1"}
	tests := []struct {
		user, password string
		ok             bool
	}{
		{`LAB\scanner`, "pw-1", true},
		{`lab\SCANNER`, "pw-1", true},
		{`scanner`, "pw-1", true},
		{`LAB\scanner`, "pw-2", false},
		{`LAB\other`, "pw-1", false},
		{`EVIL\scanner`, "pw-1", false},
	}
	for _, tc := range tests {
		c := randomChallenge()
		msg, err := ntlmssp.NewAuthenticateMessage(newChallenge(c, "LAB", "HOST"), tc.user, tc.password, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = verifyAuthenticate(msg, c, acct)
		if (err == nil) != tc.ok {
			t.Errorf("%s / %s: err = %v, want ok=%v", tc.user, tc.password, err, tc.ok)
		}
		// The same answer must not pass another challenge (no replay).
		other := randomChallenge()
		if tc.ok {
			if _, err := verifyAuthenticate(msg, other, acct); err == nil {
				t.Errorf("%s: response verified against a different challenge", tc.user)
			}
		}
	}
}

func FuzzVerifyAuthenticate(f *testing.F) {
	c := [8]byte{1, 2, 3, 4, 5, 6, 7, 8}
	msg, _ := ntlmssp.NewAuthenticateMessage(newChallenge(c, "LAB", "HOST"), `LAB\scanner`, "pw", nil)
	f.Add(msg)
	f.Add([]byte("NTLMSSP\x00\x03\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, m []byte) {
		_, _ = verifyAuthenticate(m, c, Account{User: "scanner", Password: "pw"})
		_ = checkHeader(m, 1)
		_ = base64.StdEncoding.EncodeToString(m)
	})
}

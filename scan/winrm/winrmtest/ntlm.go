package winrmtest

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf16"

	//lint:ignore SA1019 NTLM is defined on MD4; this is protocol compatibility, not security.
	"golang.org/x/crypto/md4"
)

// The server half of NTLMv2 ([MS-NLMP]), enough to verify a client's
// NTLMv2 response against a known password: the NEGOTIATE message is
// checked for its signature and type, the CHALLENGE carries a random server
// challenge and target info, and the AUTHENTICATE's NTProofStr is
// recomputed from the password. Session keys, signing and sealing (WinRM's
// HTTP message encryption) are not implemented: the client does not use
// them, and over HTTPS Windows does not either.

const (
	flagUnicode        = 0x00000001
	flagRequestTarget  = 0x00000004
	flagNTLM           = 0x00000200
	flagAlwaysSign     = 0x00008000
	flagTargetDomain   = 0x00010000
	flagExtendedSec    = 0x00080000
	flagTargetInfo     = 0x00800000
	flag128            = 0x20000000
	flag56             = 0x80000000
	challengeFlags     = flagUnicode | flagRequestTarget | flagNTLM | flagAlwaysSign | flagTargetDomain | flagExtendedSec | flagTargetInfo | flag128 | flag56
	avEOL              = 0
	avNbComputerName   = 1
	avNbDomainName     = 2
	avTimestamp        = 7
	maxNTLMMessageSize = 8 << 10
)

var ntlmSignature = []byte("NTLMSSP\x00")

func utf16le(s string) []byte {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		binary.LittleEndian.PutUint16(b[2*i:], c)
	}
	return b
}

func fromUTF16LE(b []byte) (string, error) {
	if len(b)%2 != 0 {
		return "", errors.New("odd-length UTF-16 string")
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u)), nil
}

func checkHeader(msg []byte, typ uint32) error {
	if len(msg) < 12 || !bytes.Equal(msg[:8], ntlmSignature) {
		return errors.New("not an NTLMSSP message")
	}
	if got := binary.LittleEndian.Uint32(msg[8:12]); got != typ {
		return fmt.Errorf("NTLM message type %d, want %d", got, typ)
	}
	if len(msg) > maxNTLMMessageSize {
		return errors.New("NTLM message too large")
	}
	return nil
}

// newChallenge builds a CHALLENGE message for the given server challenge.
func newChallenge(serverChallenge [8]byte, domain, computer string) []byte {
	var ti bytes.Buffer
	av := func(id uint16, v []byte) {
		_ = binary.Write(&ti, binary.LittleEndian, id)
		_ = binary.Write(&ti, binary.LittleEndian, uint16(len(v)))
		ti.Write(v)
	}
	av(avNbDomainName, utf16le(domain))
	av(avNbComputerName, utf16le(computer))
	ts := make([]byte, 8)
	binary.LittleEndian.PutUint64(ts, uint64(time.Now().UnixNano()/100)+116444736000000000)
	av(avTimestamp, ts)
	av(avEOL, nil)

	target := utf16le(domain)
	const fixed = 48 // header, TargetName, flags, challenge, reserved, TargetInfo
	msg := make([]byte, fixed, fixed+len(target)+ti.Len())
	copy(msg, ntlmSignature)
	binary.LittleEndian.PutUint32(msg[8:], 2)
	putVarField(msg[12:], len(target), fixed)
	binary.LittleEndian.PutUint32(msg[20:], challengeFlags)
	copy(msg[24:32], serverChallenge[:])
	putVarField(msg[40:], ti.Len(), fixed+len(target))
	msg = append(msg, target...)
	msg = append(msg, ti.Bytes()...)
	return msg
}

func putVarField(b []byte, n, off int) {
	binary.LittleEndian.PutUint16(b[0:], uint16(n))
	binary.LittleEndian.PutUint16(b[2:], uint16(n))
	binary.LittleEndian.PutUint32(b[4:], uint32(off))
}

func varField(msg []byte, at int) ([]byte, error) {
	if at+8 > len(msg) {
		return nil, errors.New("AUTHENTICATE message truncated")
	}
	n := int(binary.LittleEndian.Uint16(msg[at:]))
	off := int(binary.LittleEndian.Uint32(msg[at+4:]))
	if off < 0 || off > len(msg) || n > len(msg)-off {
		return nil, errors.New("AUTHENTICATE field out of bounds")
	}
	return msg[off : off+n], nil
}

// authenticated is who an AUTHENTICATE message proved to be.
type authenticated struct{ user, domain string }

// verifyAuthenticate checks an AUTHENTICATE message's NTLMv2 response
// against the accepted account.
func verifyAuthenticate(msg []byte, serverChallenge [8]byte, acct Account) (authenticated, error) {
	if err := checkHeader(msg, 3); err != nil {
		return authenticated{}, err
	}
	nt, err := varField(msg, 20)
	if err != nil {
		return authenticated{}, err
	}
	rawDomain, err := varField(msg, 28)
	if err != nil {
		return authenticated{}, err
	}
	rawUser, err := varField(msg, 36)
	if err != nil {
		return authenticated{}, err
	}
	user, err := fromUTF16LE(rawUser)
	if err != nil {
		return authenticated{}, err
	}
	domain, err := fromUTF16LE(rawDomain)
	if err != nil {
		return authenticated{}, err
	}
	if len(nt) < 16+28 {
		return authenticated{}, errors.New("no NTLMv2 response (NTLMv1 is refused)")
	}
	if !strings.EqualFold(user, acct.User) {
		return authenticated{}, fmt.Errorf("unknown user %q", user)
	}
	if domain != "" && acct.Domain != "" && !strings.EqualFold(domain, acct.Domain) {
		return authenticated{}, fmt.Errorf("unknown domain %q", domain)
	}
	h := md4.New()
	h.Write(utf16le(acct.Password))
	ntowf := hmacMD5(h.Sum(nil), utf16le(strings.ToUpper(user)+domain))
	proof := hmacMD5(ntowf, serverChallenge[:], nt[16:])
	if !hmac.Equal(proof, nt[:16]) {
		return authenticated{}, errors.New("NTLMv2 response does not match the password")
	}
	return authenticated{user: user, domain: domain}, nil
}

func hmacMD5(key []byte, data ...[]byte) []byte {
	m := hmac.New(md5.New, key)
	for _, d := range data {
		m.Write(d)
	}
	return m.Sum(nil)
}

func randomChallenge() [8]byte {
	var c [8]byte
	_, _ = rand.Read(c[:])
	return c
}

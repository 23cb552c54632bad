// Package hint lets a library say what the operator can do about a failure
// without naming how it is done. Libraries attach hints to their errors
// (With); the front end words each hint in its own terms when it shows the
// error (Append): the command line names its flags ("raise --timeout"),
// another front end its own settings. So no library names a flag, and the
// command line stays the only place that knows them.
package hint

import (
	"errors"
	"strconv"
	"strings"
)

// Hint is one thing the operator can change or check.
type Hint uint8

// The hints. The comment of each is its default wording (String).
const (
	_                 Hint = iota
	RaiseTimeout           // allow each host more time
	RaiseProbeTimeout      // allow the TCP probe more time
	SetDNSServer           // ask a DNS server that knows the name (e.g. a domain controller)
	CheckCredentials       // check the user name and password
	TryWinRM               // reach the host over WinRM instead
	NameDC                 // name the domain controller to ask
	CheckOU                // check the OU the search starts from
	CheckLDAPFilter        // check the extra LDAP filter
	CheckLDAPCA            // check the CA file trusted for the domain controller
	TrustDC                // trust the domain controller's CA (or, in a lab, skip verification)
	GiveUser               // give a domain account
	UseLDAPTLS             // protect LDAP with TLS (LDAPS or StartTLS)
	UseNTLMBind            // bind with NTLM
	UseSimpleBind          // bind simply, over TLS
	NarrowDomain           // allow more hosts, or narrow the search
	TrustWinRM             // trust the WinRM listener's CA (or, knowing the risk, skip verification)
	UseWinRMHTTP           // speak HTTP to an HTTP listener (port 5985)
	end
)

var defaults = [...]string{
	RaiseTimeout:      "allow each host more time",
	RaiseProbeTimeout: "allow the TCP probe more time",
	SetDNSServer:      "ask a DNS server that knows the name (e.g. a domain controller)",
	CheckCredentials:  "check the user name and password",
	TryWinRM:          "reach the host over WinRM instead",
	NameDC:            "name the domain controller to ask",
	CheckOU:           "check the OU the search starts from",
	CheckLDAPFilter:   "check the extra LDAP filter",
	CheckLDAPCA:       "check the CA file trusted for the domain controller",
	TrustDC:           "trust the domain controller's CA (or, in a lab, skip verification)",
	GiveUser:          "give a domain account",
	UseLDAPTLS:        "protect LDAP with TLS (LDAPS or StartTLS)",
	UseNTLMBind:       "bind with NTLM",
	UseSimpleBind:     "bind simply, over TLS",
	NarrowDomain:      "allow more hosts, or narrow the search",
	TrustWinRM:        "trust the WinRM listener's CA (or, knowing the risk, skip verification)",
	UseWinRMHTTP:      "speak HTTP to an HTTP listener (port 5985)",
}

// All lists every hint, so a front end can check it words each one.
func All() []Hint {
	hs := make([]Hint, 0, end-1)
	for h := Hint(1); h < end; h++ {
		hs = append(hs, h)
	}
	return hs
}

// String is the hint's default wording, which names no front end's knobs.
func (h Hint) String() string {
	if h > 0 && h < end {
		return defaults[h]
	}
	return "hint(" + strconv.Itoa(int(h)) + ")"
}

// With returns err carrying hints: its text and its chain are err's, and
// Of finds the hints. A nil err stays nil.
func With(err error, hints ...Hint) error {
	if err == nil || len(hints) == 0 {
		return err
	}
	return &hinted{err: err, hints: hints}
}

type hinted struct {
	err   error
	hints []Hint
}

func (e *hinted) Error() string { return e.err.Error() }
func (e *hinted) Unwrap() error { return e.err }

// Of returns the hints anywhere in err's tree (errors wrapped with %w,
// errors.Join and the like), first found first, each once.
func Of(err error) []Hint {
	var out []Hint
	seen := map[Hint]bool{}
	walk(err, func(e error) {
		if h, ok := e.(*hinted); ok {
			for _, x := range h.hints {
				if !seen[x] {
					seen[x] = true
					out = append(out, x)
				}
			}
		}
	})
	return out
}

// Has reports whether err's tree carries h.
func Has(err error, h Hint) bool {
	for _, x := range Of(err) {
		if x == h {
			return true
		}
	}
	return false
}

// maxDepth bounds the walk: error trees are ours, but a cycle must not hang.
const maxDepth = 64

func walk(err error, visit func(error)) {
	var rec func(error, int)
	rec = func(e error, depth int) {
		if e == nil || depth > maxDepth {
			return
		}
		visit(e)
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			rec(u.Unwrap(), depth+1)
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				rec(x, depth+1)
			}
		}
	}
	rec(err, 0)
}

// Append returns err followed by its hints as words says them, in
// parentheses: "text (first; second)". words may return "" for a hint
// it leaves unsaid; a nil words uses String. The result wraps err, so
// errors.Is and errors.As see through it. An err without hints (or whose
// hints are all unsaid), or already worded, is returned as is.
func Append(err error, words func(Hint) string) error {
	var w *worded
	if errors.As(err, &w) {
		return err
	}
	var said []string
	for _, h := range Of(err) {
		text := h.String()
		if words != nil {
			text = words(h)
		}
		if text != "" {
			said = append(said, text)
		}
	}
	if len(said) == 0 {
		return err
	}
	return &worded{err: err, text: err.Error() + " (" + strings.Join(said, "; ") + ")"}
}

type worded struct {
	err  error
	text string
}

func (e *worded) Error() string { return e.text }
func (e *worded) Unwrap() error { return e.err }

// Package memhost is an in-memory facts.Host: a registry and a set of files
// held in maps, with per-fact errors and counters. Tests use it to drive the
// engine; demos and the WinRM test server use it, loaded from the same .reg
// exports the SMB lab imports into Samba, to reproduce a lab host.
package memhost

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/patchscan/patchscan/facts"
)

// Host is an in-memory Windows host. The zero value is not usable; call New.
// It is safe for concurrent use.
type Host struct {
	mu      sync.Mutex
	keys    map[string]*key // normalized key path -> key
	files   map[string]facts.FileInfo
	errs    map[string]error // fact id -> error returned in its Answer
	hostErr error
	config  configFacts // local users, shares, audit policy... (config.go)

	calls    int
	requests int
	asked    map[string]int
	batches  [][]facts.Request
}

type key struct {
	name   string // as first written, for listings
	values map[string]namedValue
}

type namedValue struct {
	name string
	v    facts.RegValue
}

// New returns an empty host.
func New() *Host {
	return &Host{
		keys:  map[string]*key{},
		files: map[string]facts.FileInfo{},
		errs:  map[string]error{},
		asked: map[string]int{},
	}
}

// hives maps long hive names to the abbreviations requests use.
var hives = map[string]string{
	"hkey_local_machine":  "HKLM",
	"hkey_current_user":   "HKCU",
	"hkey_users":          "HKU",
	"hkey_classes_root":   "HKCR",
	"hkey_current_config": "HKCC",
}

// CanonicalKey rewrites a key path with its hive abbreviated
// ("HKEY_LOCAL_MACHINE\SOFTWARE" -> "HKLM\SOFTWARE") and no trailing
// backslashes. Case is preserved.
func CanonicalKey(k string) string {
	k = strings.TrimRight(strings.TrimSpace(k), `\`)
	hive, rest, _ := strings.Cut(k, `\`)
	if short, ok := hives[strings.ToLower(hive)]; ok {
		hive = short
	} else {
		hive = strings.ToUpper(hive)
	}
	if rest == "" {
		return hive
	}
	return hive + `\` + rest
}

func normKey(k string) string { return strings.ToLower(CanonicalKey(k)) }

func normPath(p string) string { return strings.ToLower(strings.TrimSpace(p)) }

// factID identifies a request independently of case and of SHA256.
func factID(r facts.Request) string {
	switch r.Kind {
	case facts.FactRegValue:
		return "v:" + normKey(r.Key) + "\x00" + strings.ToLower(r.Name)
	case facts.FactRegKey:
		return "k:" + normKey(r.Key)
	case facts.FactFile:
		return "f:" + normPath(r.Path)
	case facts.FactService:
		return "s:" + strings.ToLower(r.Name)
	}
	return fmt.Sprintf("?%d", r.Kind)
}

// SetKey creates a key (and its parents, as Windows would have them).
func (h *Host) SetKey(k string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.setKey(k)
}

func (h *Host) setKey(k string) *key {
	c := CanonicalKey(k)
	var last *key
	for i := 0; i <= len(c); i++ {
		if i == len(c) || c[i] == '\\' {
			n := strings.ToLower(c[:i])
			kk, ok := h.keys[n]
			if !ok {
				kk = &key{name: c[:i], values: map[string]namedValue{}}
				h.keys[n] = kk
			}
			last = kk
		}
	}
	return last
}

// SetValue sets a value, creating its key. name "" is the default value.
func (h *Host) SetValue(k, name string, v facts.RegValue) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.setKey(k).values[strings.ToLower(name)] = namedValue{name: name, v: facts.RegValue{Type: v.Type, Data: append([]byte(nil), v.Data...)}}
}

// DeleteValue removes a value; a missing value or key is not an error.
func (h *Host) DeleteValue(k, name string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if kk, ok := h.keys[normKey(k)]; ok {
		delete(kk.values, strings.ToLower(name))
	}
}

// DeleteValues removes every value of a key and keeps its subkeys.
func (h *Host) DeleteValues(k string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if kk, ok := h.keys[normKey(k)]; ok {
		kk.values = map[string]namedValue{}
	}
}

// DeleteKey removes a key with its subkeys and values.
func (h *Host) DeleteKey(k string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := normKey(k)
	for p := range h.keys {
		if p == n || strings.HasPrefix(p, n+`\`) {
			delete(h.keys, p)
		}
	}
}

// SetFile places a file. Its SHA256 is returned only to requests that ask
// for it, as a real transport only hashes on request.
func (h *Host) SetFile(path string, fi facts.FileInfo) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.files[normPath(path)] = fi
}

// SetError makes every request for this fact (kind, key/name or path; case
// and SHA256 ignored) answer with err.
func (h *Host) SetError(r facts.Request, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.errs[factID(r)] = err
}

// SetHostError makes Facts fail as a whole (a lost connection); nil clears it.
func (h *Host) SetHostError(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.hostErr = err
}

// Facts answers a batch. It honours ctx and counts calls and requests.
func (h *Host) Facts(ctx context.Context, reqs []facts.Request) ([]facts.Answer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls++
	h.requests += len(reqs)
	h.batches = append(h.batches, append([]facts.Request(nil), reqs...))
	if h.hostErr != nil {
		return nil, h.hostErr
	}
	out := make([]facts.Answer, len(reqs))
	for i, r := range reqs {
		id := factID(r)
		h.asked[id]++
		if err, ok := h.errs[id]; ok {
			out[i].Err = err
			continue
		}
		switch r.Kind {
		case facts.FactRegValue:
			if kk, ok := h.keys[normKey(r.Key)]; ok {
				if nv, ok := kk.values[strings.ToLower(r.Name)]; ok {
					out[i] = facts.Answer{Found: true, Value: facts.RegValue{Type: nv.v.Type, Data: append([]byte(nil), nv.v.Data...)}}
				}
			}
		case facts.FactRegKey:
			_, out[i].Found = h.keys[normKey(r.Key)]
		case facts.FactFile:
			if fi, ok := h.files[normPath(r.Path)]; ok {
				if !r.SHA256 {
					fi.SHA256 = ""
				}
				out[i] = facts.Answer{Found: true, File: fi}
			}
		default:
			out[i] = h.configAnswer(r)
		}
	}
	return out, nil
}

// Stats are the host's counters.
type Stats struct {
	Calls    int // Facts calls
	Requests int // requests over all calls
}

// Stats returns the counters so far.
func (h *Host) Stats() Stats {
	h.mu.Lock()
	defer h.mu.Unlock()
	return Stats{Calls: h.calls, Requests: h.requests}
}

// Asked reports how many times a fact was requested (case-insensitively,
// SHA256 ignored).
func (h *Host) Asked(r facts.Request) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.asked[factID(r)]
}

// Repeated lists the facts asked more than once, for assertions.
func (h *Host) Repeated() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for id, n := range h.asked {
		if n > 1 {
			out = append(out, fmt.Sprintf("%q asked %d times", id, n))
		}
	}
	sort.Strings(out)
	return out
}

// Batches returns a copy of every batch received, in order. The log grows
// with every call: a long-running demo host should ResetStats now and then.
func (h *Host) Batches() [][]facts.Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([][]facts.Request, len(h.batches))
	for i, b := range h.batches {
		out[i] = append([]facts.Request(nil), b...)
	}
	return out
}

// ResetStats clears the counters and the batch log (not the contents).
func (h *Host) ResetStats() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls, h.requests = 0, 0
	h.asked = map[string]int{}
	h.batches = nil
}

// Value returns a value as stored, for tests of loaders.
func (h *Host) Value(k, name string) (facts.RegValue, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	kk, ok := h.keys[normKey(k)]
	if !ok {
		return facts.RegValue{}, false
	}
	nv, ok := kk.values[strings.ToLower(name)]
	return nv.v, ok
}

// HasKey reports whether a key exists.
func (h *Host) HasKey(k string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	_, ok := h.keys[normKey(k)]
	return ok
}

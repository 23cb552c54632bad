package winrmtest

import (
	"context"
	"strings"

	"github.com/patchscan/patchscan/facts"
)

// MapHost is a small in-memory facts.Host for tests that do not need the
// lab fixtures. Lookups are case-insensitive, as on Windows. A key exists
// when it was added with AddKey or holds a value (its parents exist too).
type MapHost struct {
	keys   map[string]bool
	values map[string]facts.RegValue
	files  map[string]facts.FileInfo
	errs   map[string]error
}

// NewMapHost returns an empty host.
func NewMapHost() *MapHost {
	return &MapHost{keys: map[string]bool{}, values: map[string]facts.RegValue{}, files: map[string]facts.FileInfo{}, errs: map[string]error{}}
}

func norm(s string) string { return strings.ToLower(strings.Trim(s, `\`)) }

func valueID(key, name string) string { return norm(key) + "\x00" + strings.ToLower(name) }

// AddKey makes a key (and its parents) exist.
func (h *MapHost) AddKey(key string) *MapHost {
	k := norm(key)
	for {
		h.keys[k] = true
		i := strings.LastIndexByte(k, '\\')
		if i < 0 {
			return h
		}
		k = k[:i]
	}
}

// SetValue stores a value (raw data as the registry holds it).
func (h *MapHost) SetValue(key, name string, t facts.ValueType, data []byte) *MapHost {
	h.AddKey(key)
	h.values[valueID(key, name)] = facts.RegValue{Type: t, Data: data}
	return h
}

// SetFile stores a file.
func (h *MapHost) SetFile(path string, fi facts.FileInfo) *MapHost {
	h.files[norm(path)] = fi
	return h
}

// SetError makes a fact unreadable: id is a file path, a key, or
// key + `\` + value name.
func (h *MapHost) SetError(id string, err error) *MapHost {
	h.errs[norm(id)] = err
	return h
}

// Facts implements facts.Host.
func (h *MapHost) Facts(ctx context.Context, reqs []facts.Request) ([]facts.Answer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([]facts.Answer, len(reqs))
	for i, r := range reqs {
		switch r.Kind {
		case facts.FactRegKey:
			if err := h.errs[norm(r.Key)]; err != nil {
				out[i].Err = err
				continue
			}
			out[i].Found = h.keys[norm(r.Key)]
		case facts.FactRegValue:
			if err := h.errs[norm(r.Key+`\`+r.Name)]; err != nil {
				out[i].Err = err
				continue
			}
			v, ok := h.values[valueID(r.Key, r.Name)]
			out[i].Found, out[i].Value = ok, v
		case facts.FactFile:
			if err := h.errs[norm(r.Path)]; err != nil {
				out[i].Err = err
				continue
			}
			fi, ok := h.files[norm(r.Path)]
			if ok && !r.SHA256 {
				fi.SHA256 = ""
			}
			out[i].Found, out[i].File = ok, fi
		}
	}
	return out, nil
}

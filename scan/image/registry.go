package image

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/patchscan/patchscan/facts"
	"github.com/patchscan/patchscan/scan/image/hive"
)

// identity resolves the current control set and reads the host's name and
// system drive.
func (h *Host) identity() error {
	sys := h.hives["SYSTEM"].h
	n, err := currentControlSet(sys)
	if err != nil {
		return openErr(h.dir, "read the SYSTEM hive", err, hiveHint(err))
	}
	h.ctlSet = fmt.Sprintf("ControlSet%03d", n)
	v, ok, err := h.value(`HKLM\SYSTEM\CurrentControlSet\Control\ComputerName\ComputerName`, "ComputerName")
	if err != nil {
		return openErr(h.dir, "read the SYSTEM hive", err, hiveHint(err))
	}
	if name := strings.TrimSpace(v.Text()); ok && v.Type == facts.RegSZ && name != "" && len(name) <= 255 {
		h.name = name
	} else {
		h.warnings = append(h.warnings, `the SYSTEM hive has no ComputerName (Control\ComputerName\ComputerName): the host is named by its image path`)
	}
	h.drive = 'C'
	v, ok, err = h.value(`HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion`, "SystemRoot")
	if err != nil {
		return openErr(h.dir, "read the SOFTWARE hive", err, hiveHint(err))
	}
	if s := v.Text(); ok && len(s) >= 2 && s[1] == ':' && isLetter(s[0]) {
		h.drive = upper(s[0])
	}
	return nil
}

// currentControlSet is the number SYSTEM\Select\Current (else Default)
// gives, checked to name a control set the hive has.
func currentControlSet(sys *hive.Hive) (uint32, error) {
	sel, ok, err := sys.OpenKey("Select")
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, errors.New(`SYSTEM hive: no Select key, so the current control set is unknown`)
	}
	for _, name := range []string{"Current", "Default"} {
		v, ok, err := sel.Value(name)
		if err != nil {
			return 0, err
		}
		if !ok || v.Type != uint32(facts.RegDWORD) || len(v.Data) < 4 {
			continue
		}
		n := binary.LittleEndian.Uint32(v.Data)
		if n < 1 || n > 999 {
			return 0, fmt.Errorf(`SYSTEM hive: Select\%s is %d, not a control set number`, name, n)
		}
		if _, ok, err := sys.OpenKey(fmt.Sprintf("ControlSet%03d", n)); err != nil || !ok {
			if err == nil {
				err = fmt.Errorf(`SYSTEM hive: Select\%s names ControlSet%03d, which the hive does not have`, name, n)
			}
			return 0, err
		}
		return n, nil
	}
	return 0, errors.New(`SYSTEM hive: Select has neither a Current nor a Default control set number`)
}

// keyResult is a cached key lookup.
type keyResult struct {
	key   hive.Key
	found bool
	err   error
}

// errNoHive is a key under a hive the image does not have (SAM, SECURITY).
type errNoHive struct{ name string }

func (e errNoHive) Error() string {
	return fmt.Sprintf(`the image has no %s hive (Windows\System32\config\%s)`, e.name, e.name)
}

// OpenKey opens an HKLM key of the image (`HKLM\SAM\SAM\Domains\Account\
// Users`) as the facts do: the hive its path names, CurrentControlSet
// mapped, names matched without regard to case. It is for readers that need
// more than facts.Request offers (enumerating subkeys and values, as the
// configuration checks do with SAM and SECURITY). A missing key is
// ok == false; an error is a key under a hive the image lacks, or damage.
func (h *Host) OpenKey(key string) (k hive.Key, ok bool, err error) { return h.openKey(key) }

// openKey maps an HKLM path onto a hive and opens the key there.
func (h *Host) openKey(key string) (hive.Key, bool, error) {
	parts, err := splitHKLM(key)
	if err != nil {
		return hive.Key{}, false, err
	}
	lower := strings.ToLower(strings.Join(parts, `\`))
	h.keyMu.Lock()
	r, cached := h.keys[lower]
	h.keyMu.Unlock()
	if cached {
		return r.key, r.found, r.err
	}
	r = h.lookup(parts)
	h.keyMu.Lock()
	h.keys[lower] = r
	h.keyMu.Unlock()
	return r.key, r.found, r.err
}

func (h *Host) lookup(parts []string) keyResult {
	if len(parts) == 0 {
		return keyResult{err: errors.New("HKLM itself has no values in an image")}
	}
	name := strings.ToUpper(parts[0])
	oh, ok := h.hives[name]
	if !ok {
		switch name {
		case "SAM", "SECURITY":
			return keyResult{err: errNoHive{name}}
		}
		return keyResult{} // HARDWARE and the like exist only while Windows runs
	}
	rest := parts[1:]
	if name == "SYSTEM" && len(rest) > 0 && strings.EqualFold(rest[0], "CurrentControlSet") {
		rest = append([]string{h.ctlSet}, rest[1:]...)
	}
	k, found, err := oh.h.OpenKey(strings.Join(rest, `\`))
	return keyResult{key: k, found: found, err: err}
}

// splitHKLM turns `HKLM\SOFTWARE\X` into ["SOFTWARE", "X"].
func splitHKLM(key string) ([]string, error) {
	var parts []string
	for _, p := range strings.Split(key, `\`) {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 || !(strings.EqualFold(parts[0], "HKLM") || strings.EqualFold(parts[0], "HKEY_LOCAL_MACHINE")) {
		return nil, fmt.Errorf("registry key %q: an image holds only HKLM (HKEY_LOCAL_MACHINE)", key)
	}
	return parts[1:], nil
}

// value reads one registry value.
func (h *Host) value(key, name string) (facts.RegValue, bool, error) {
	k, ok, err := h.openKey(key)
	if err != nil || !ok {
		return facts.RegValue{}, false, err
	}
	v, ok, err := k.Value(name)
	if err != nil || !ok {
		return facts.RegValue{}, false, err
	}
	return facts.RegValue{Type: facts.ValueType(v.Type), Data: v.Data}, true, nil
}

func (h *Host) regAnswer(r facts.Request) facts.Answer {
	switch r.Kind {
	case facts.FactRegKey:
		if parts, err := splitHKLM(r.Key); err == nil && len(parts) == 0 {
			return facts.Answer{Found: true}
		}
		_, ok, err := h.openKey(r.Key)
		return facts.Answer{Found: ok, Err: err}
	default:
		v, ok, err := h.value(r.Key, r.Name)
		return facts.Answer{Found: ok, Value: v, Err: err}
	}
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

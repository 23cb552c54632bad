package detect

import (
	"strings"

	"github.com/patchscan/patchscan/facts"
)

// Every distinct fact gets one id in New, so a scan asks each once per host
// however many rules and checks name it. Registry keys and paths compare
// case-insensitively, as Windows compares them.

// reg returns the fact id of a registry value (kind FactRegValue) or key.
func (b *builder) reg(kind facts.FactKind, key, name string) int32 {
	k := regKey(key)
	if kind == facts.FactRegValue {
		k = "v" + k + "\x00" + strings.ToLower(name)
	} else {
		k = "k" + k
	}
	if id, ok := b.regID[k]; ok {
		return id
	}
	id := int32(len(b.e.regFacts))
	r := facts.Request{Kind: kind, Key: canonicalKey(key)}
	if kind == facts.FactRegValue {
		r.Name = name
	}
	b.e.regFacts = append(b.e.regFacts, r)
	b.regID[k] = id
	return id
}

// addPhaseA asks a registry fact in phase (a), once.
func (b *builder) addPhaseA(id int32) {
	if !b.inPhaseA[id] {
		b.inPhaseA[id] = true
		b.e.phaseA = append(b.e.phaseA, id)
	}
}

// template returns the id of a file path's parsed template.
func (b *builder) template(path string) int32 {
	k := strings.ToLower(strings.TrimSpace(path))
	if id, ok := b.templateID[k]; ok {
		return id
	}
	id := int32(len(b.e.templates))
	b.e.templates = append(b.e.templates, parseTemplate(strings.TrimSpace(path)))
	b.templateID[k] = id
	return id
}

// regKey normalizes a registry key for deduplication: case-insensitive,
// HKEY_LOCAL_MACHINE = HKLM, no trailing backslash.
func regKey(k string) string {
	k = strings.TrimRight(strings.TrimSpace(k), `\`)
	low := strings.ToLower(k)
	if strings.HasPrefix(low, `hkey_local_machine\`) || low == "hkey_local_machine" {
		low = "hklm" + low[len("hkey_local_machine"):]
	}
	return low
}

// canonicalKey is the key as sent to hosts: "HKLM\..." (transports expect
// the short hive name; a hand-built catalog may spell it out), no trailing
// backslash, case kept.
func canonicalKey(k string) string {
	k = strings.TrimRight(strings.TrimSpace(k), `\`)
	const long = `HKEY_LOCAL_MACHINE`
	if len(k) >= len(long) && strings.EqualFold(k[:len(long)], long) && (len(k) == len(long) || k[len(long)] == '\\') {
		k = "HKLM" + k[len(long):]
	}
	return k
}

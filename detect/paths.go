package detect

import (
	"fmt"
	"strings"
)

// Path variables in catalog file paths are resolved per host from its own
// registry, never guessed: a host whose ProgramFilesDir can't be read gets an
// error for every check under %ProgramFiles%, not a check of C:\Program Files.

// pathVar is a variable a catalog path may start with (or contain).
type pathVar uint8

const (
	varSystemRoot pathVar = iota
	varSystemDrive
	varProgramFiles
	varProgramFilesX86
	varCommonFiles
	varCommonFilesX86
	numVars
)

// varNames maps the lower-case variable name (between the % signs) to the
// variable. %windir% is the same directory as %SystemRoot%.
var varNames = map[string]pathVar{
	"systemroot":              varSystemRoot,
	"windir":                  varSystemRoot,
	"systemdrive":             varSystemDrive,
	"programfiles":            varProgramFiles,
	"programfiles(x86)":       varProgramFilesX86,
	"commonprogramfiles":      varCommonFiles,
	"commonprogramfiles(x86)": varCommonFilesX86,
	"programw6432":            varProgramFiles,
	"commonprogramw6432":      varCommonFiles,
}

// varDisplay is how a variable is named in messages, with the registry value
// it comes from.
var varDisplay = [numVars]struct{ name, source string }{
	varSystemRoot:      {"%SystemRoot%", `SystemRoot (HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion)`},
	varSystemDrive:     {"%SystemDrive%", `SystemRoot (HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion)`},
	varProgramFiles:    {"%ProgramFiles%", `ProgramFilesDir (HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion)`},
	varProgramFilesX86: {"%ProgramFiles(x86)%", `ProgramFilesDir (x86) (HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion)`},
	varCommonFiles:     {"%CommonProgramFiles%", `CommonFilesDir (HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion)`},
	varCommonFilesX86:  {"%CommonProgramFiles(x86)%", `CommonFilesDir (x86) (HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion)`},
}

// pathTemplate is a catalog path split at its variables, parsed once in New.
type pathTemplate struct {
	raw   string
	parts []tmplPart
	err   string // the template itself is unusable (unknown variable)
	// The FileChecks with a SHA256 on this path, by their prepared checks, so
	// product detection can ask for the hash up front exactly when a patch
	// check will verify it (asking twice would read the file twice).
	shaChecks []*preparedFileCheck
}

type tmplPart struct {
	lit   string
	isVar bool
	v     pathVar
}

func parseTemplate(raw string) pathTemplate {
	t := pathTemplate{raw: raw}
	s := raw
	for s != "" {
		i := strings.IndexByte(s, '%')
		if i < 0 {
			t.parts = append(t.parts, tmplPart{lit: s})
			break
		}
		if i > 0 {
			t.parts = append(t.parts, tmplPart{lit: s[:i]})
		}
		j := strings.IndexByte(s[i+1:], '%')
		if j < 0 {
			t.err = fmt.Sprintf("path %q has an unterminated %% variable", clean(raw))
			return t
		}
		name := s[i+1 : i+1+j]
		v, ok := varNames[strings.ToLower(name)]
		if !ok {
			t.err = fmt.Sprintf("path %q uses the unknown variable %%%s%%", clean(raw), clean(name))
			return t
		}
		t.parts = append(t.parts, tmplPart{isVar: true, v: v})
		s = s[i+2+j:]
	}
	return t
}

// hostVars are a host's resolved path variables, or why each one isn't.
type hostVars struct {
	val [numVars]string
	err [numVars]string
}

// setDir validates a directory read from the host's registry before it can
// become part of a path sent back to the host: an absolute drive path
// ("C:\..."), no control characters, no ".." components, bounded length.
// A hostile value such as a UNC path (\\attacker\share) must never make a
// transport connect somewhere else.
func (hv *hostVars) setDir(v pathVar, val string, found bool, readErr error) {
	name, src := varDisplay[v].name, varDisplay[v].source
	switch {
	case readErr != nil:
		hv.err[v] = fmt.Sprintf("cannot resolve %s on this host: %s could not be read: %s", name, src, clean(readErr.Error()))
		return
	case !found:
		hv.err[v] = fmt.Sprintf("cannot resolve %s on this host: %s not readable (the value does not exist)", name, src)
		return
	}
	val = strings.TrimRight(strings.TrimSpace(val), `\`)
	if reason := badDir(val); reason != "" {
		hv.err[v] = fmt.Sprintf("cannot resolve %s on this host: %s has an unusable value %q (%s)", name, src, clean(val), reason)
		return
	}
	hv.val[v] = val
}

func badDir(s string) string {
	if len(s) > 512 {
		return "too long"
	}
	if len(s) < 2 || s[1] != ':' || !isLetter(s[0]) || (len(s) > 2 && s[2] != '\\') {
		return `not an absolute path like C:\Windows`
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == 0xfffd || strings.ContainsRune(`/*?"<>|`, r) {
			return "contains characters not allowed in a path"
		}
	}
	for _, seg := range strings.Split(s[2:], `\`) {
		if seg == ".." || seg == "." {
			return `contains "." or ".." components`
		}
	}
	return ""
}

func isLetter(c byte) bool { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') }

// expand substitutes %SystemRoot% and %SystemDrive% inside a directory value
// (REG_EXPAND_SZ ProgramFilesDir is "%SystemDrive%\Program Files" on some
// systems). Other variables are left, and setDir then rejects the value.
func expandInValue(val string, hv *hostVars) string {
	if !strings.Contains(val, "%") {
		return val
	}
	low := strings.ToLower(val)
	for _, p := range [...]struct {
		name string
		v    pathVar
	}{{"%systemdrive%", varSystemDrive}, {"%systemroot%", varSystemRoot}, {"%windir%", varSystemRoot}} {
		if i := strings.Index(low, p.name); i >= 0 && hv.val[p.v] != "" {
			val = val[:i] + hv.val[p.v] + val[i+len(p.name):]
			low = strings.ToLower(val)
		}
	}
	return val
}

// resolve renders a template on a host, or says why it can't.
func (t *pathTemplate) resolve(hv *hostVars) (string, string) {
	if t.err != "" {
		return "", t.err
	}
	n := 0
	for _, p := range t.parts {
		if p.isVar {
			if hv.err[p.v] != "" {
				return "", hv.err[p.v]
			}
			n += len(hv.val[p.v])
		} else {
			n += len(p.lit)
		}
	}
	var b strings.Builder
	b.Grow(n)
	for _, p := range t.parts {
		if p.isVar {
			b.WriteString(hv.val[p.v])
		} else {
			b.WriteString(p.lit)
		}
	}
	return b.String(), ""
}

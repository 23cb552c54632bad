package catalog

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// PathVariables are the variables a File or FileCheck path may start with.
// The engine resolves them per host from the host's registry; anything else
// would have to be guessed, so it is rejected when the catalog is loaded.
var PathVariables = []string{
	"%SystemRoot%", "%SystemDrive%", "%windir%",
	"%ProgramFiles%", "%ProgramFiles(x86)%",
	"%CommonProgramFiles%", "%CommonProgramFiles(x86)%",
}

// otherHives are registry roots a catalog might name but a remote scan cannot
// read (or that are views of HKLM); they get a precise message.
var otherHives = map[string]bool{
	"HKCU": true, "HKEY_CURRENT_USER": true,
	"HKU": true, "HKEY_USERS": true,
	"HKCR": true, "HKEY_CLASSES_ROOT": true,
	"HKCC": true, "HKEY_CURRENT_CONFIG": true,
	"HKPD": true, "HKEY_PERFORMANCE_DATA": true,
}

// normKey validates a registry key and returns it as HKLM\Sub\Key.
// HKEY_LOCAL_MACHINE is accepted as a synonym; a trailing backslash is
// dropped. Only HKLM is in scope: it is the hive remote registry access and
// the engine read.
func normKey(s string) (string, error) {
	s = strings.TrimSpace(s)
	hive, rest, _ := strings.Cut(s, `\`)
	switch h := strings.ToUpper(hive); {
	case h == "HKLM" || h == "HKEY_LOCAL_MACHINE":
	case otherHives[h]:
		return "", fmt.Errorf("hive %s is not supported; only HKLM (HKEY_LOCAL_MACHINE) is read from scanned hosts", hive)
	default:
		return "", fmt.Errorf(`must start with HKLM\ (or HKEY_LOCAL_MACHINE\)`)
	}
	rest = strings.TrimRight(rest, `\`)
	if rest == "" {
		return "", fmt.Errorf("names no subkey of HKLM")
	}
	if !utf8.ValidString(rest) {
		return "", fmt.Errorf("is not valid UTF-8")
	}
	for _, part := range strings.Split(rest, `\`) {
		if part == "" {
			return "", fmt.Errorf(`has an empty key name (two backslashes in a row)`)
		}
		if utf8.RuneCountInString(part) > 255 {
			return "", fmt.Errorf("has a key name longer than 255 characters")
		}
		for _, r := range part {
			if r < 0x20 || r == 0x7f {
				return "", fmt.Errorf("contains a control character")
			}
		}
	}
	return `HKLM\` + rest, nil
}

// normPath validates a file path on the scanned host and returns it with
// backslashes, the variable in its canonical spelling and the drive letter
// upper-cased. A path starts with a known %variable% or a drive (C:\).
func normPath(s string) (string, error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), "/", `\`)
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("is not valid UTF-8")
	}
	head, rest, err := pathStart(s)
	if err != nil {
		return "", err
	}
	if len(s) > 32767 {
		return "", fmt.Errorf("is longer than Windows allows")
	}
	rest = strings.TrimPrefix(rest, `\`)
	if rest == "" {
		return head, nil
	}
	for _, part := range strings.Split(rest, `\`) {
		if err := checkPathPart(part); err != nil {
			return "", err
		}
	}
	return head + `\` + rest, nil
}

// pathStart splits a path into its start, a variable in its canonical
// spelling or an upper-cased drive, and the rest.
func pathStart(s string) (head, rest string, err error) {
	switch {
	case strings.HasPrefix(s, "%"):
		end := strings.Index(s[1:], "%")
		if end < 0 {
			return "", "", fmt.Errorf("has an unterminated %% variable")
		}
		v := s[:end+2]
		for _, known := range PathVariables {
			if strings.EqualFold(v, known) {
				head = known
			}
		}
		if head == "" {
			return "", "", fmt.Errorf("unknown path variable %s; use one of %s", v, strings.Join(PathVariables, ", "))
		}
		rest = s[len(v):]
		if rest != "" && rest[0] != '\\' {
			return "", "", fmt.Errorf(`%s must be followed by \`, head)
		}
		return head, rest, nil
	case strings.HasPrefix(s, `\\`):
		return "", "", fmt.Errorf("UNC paths are not supported; give the path on the scanned host (e.g. %%SystemRoot%%\\System32\\x.dll)")
	case len(s) >= 3 && isLetter(s[0]) && s[1] == ':' && s[2] == '\\':
		return strings.ToUpper(s[:2]), s[2:], nil
	}
	return "", "", fmt.Errorf(`must start with a path variable (%%SystemRoot%%\...) or a drive (C:\...)`)
}

// checkPathPart checks one name between backslashes.
func checkPathPart(part string) error {
	switch part {
	case "":
		return fmt.Errorf("has an empty name (two backslashes in a row or a trailing backslash)")
	case ".", "..":
		return fmt.Errorf("contains %q; give the path without it", part)
	}
	if i := strings.Index(part, "%"); i >= 0 {
		if strings.Contains(part[i+1:], "%") {
			return fmt.Errorf("has a path variable after the start; variables are only allowed at the start")
		}
		return fmt.Errorf("contains a stray %%")
	}
	for _, r := range part {
		if r < 0x20 || strings.ContainsRune(`<>:"|?*`, r) {
			return fmt.Errorf("contains %q, which Windows does not allow in file names", r)
		}
	}
	return nil
}

func isLetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }

package imagelab

import (
	"bufio"
	"fmt"
	"strings"
)

// hiveNames are the hives of HKEY_LOCAL_MACHINE an image holds, as named
// in Windows\System32\config.
var hiveNames = []string{"SOFTWARE", "SYSTEM", "SAM", "SECURITY"}

// splitReg routes .reg content to the hives its keys belong to: the text
// for each hive keeps the header and the sections under
// HKEY_LOCAL_MACHINE\<HIVE>. In SYSTEM, CurrentControlSet (which exists
// only on a running Windows) becomes ControlSet00N. HKLM\ is accepted as
// short for HKEY_LOCAL_MACHINE\, and "[-...]" deletions are kept.
func splitReg(text string, controlSet int) (map[string]string, error) {
	out := map[string]*strings.Builder{}
	var cur *strings.Builder
	sc := bufio.NewScanner(strings.NewReader(strings.TrimPrefix(text, "\ufeff")))
	sc.Buffer(nil, 16<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		trimmed := strings.TrimSpace(line)
		switch {
		case n == 1 && strings.HasPrefix(trimmed, "Windows Registry Editor"), trimmed == "REGEDIT4":
			continue
		case strings.HasPrefix(trimmed, "["):
			hive, key, del, err := sectionKey(trimmed, controlSet)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", n, err)
			}
			b := out[hive]
			if b == nil {
				b = &strings.Builder{}
				b.WriteString("Windows Registry Editor Version 5.00\n")
				out[hive] = b
			}
			cur = b
			if del == "" {
				// hivexregedit creates a key only under an existing
				// parent: name every ancestor first (an empty section
				// changes nothing in a key that exists).
				parts := strings.Split(key, `\`)
				for i := 2; i < len(parts); i++ {
					fmt.Fprintf(cur, "\n[HKEY_LOCAL_MACHINE\\%s]\n", strings.Join(parts[:i], `\`))
				}
			}
			fmt.Fprintf(cur, "\n[%sHKEY_LOCAL_MACHINE\\%s]\n", del, key)
		case trimmed == "" || strings.HasPrefix(trimmed, ";"):
		case cur == nil:
			return nil, fmt.Errorf("line %d: a value before any [key] section", n)
		default:
			cur.WriteString(line + "\n")
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	res := map[string]string{}
	for h, b := range out {
		res[h] = b.String() + "\n"
	}
	return res, nil
}

// sectionKey parses "[HKEY_LOCAL_MACHINE\SOFTWARE\X]" into its hive and
// the key path with the hive's name first ("SOFTWARE\X").
func sectionKey(line string, controlSet int) (hive, key, del string, err error) {
	if !strings.HasSuffix(line, "]") {
		return "", "", "", fmt.Errorf("section %q has no closing ]", line)
	}
	path := line[1 : len(line)-1]
	if strings.HasPrefix(path, "-") {
		del, path = "-", path[1:]
	}
	parts := strings.Split(strings.Trim(path, `\`), `\`)
	if len(parts) < 2 || !(strings.EqualFold(parts[0], "HKEY_LOCAL_MACHINE") || strings.EqualFold(parts[0], "HKLM")) {
		return "", "", "", fmt.Errorf("key %q is not under HKEY_LOCAL_MACHINE\\{SOFTWARE,SYSTEM,SAM,SECURITY}", path)
	}
	for _, h := range hiveNames {
		if strings.EqualFold(parts[1], h) {
			hive = h
		}
	}
	if hive == "" {
		return "", "", "", fmt.Errorf("key %q: an image holds only the SOFTWARE, SYSTEM, SAM and SECURITY hives", path)
	}
	parts[1] = hive
	if hive == "SYSTEM" && len(parts) > 2 && strings.EqualFold(parts[2], "CurrentControlSet") {
		parts[2] = fmt.Sprintf("ControlSet%03d", controlSet)
	}
	return hive, strings.Join(parts[1:], `\`), del, nil
}

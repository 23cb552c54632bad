package mssecure

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/internal/version"
)

// A patch's RegChgs and FileChgs name the registry values and files it
// changes, each with a Command (the Commands table):
//
//	r  registry key       the value must exist with that data
//	c  change             the file (value) must be at that version (data)
//	a  add                the same: the patch adds it
//	e  change if exists   the file is checked only if it is present (IfExists)
//	d  delete             the value must be absent; a file cannot be tested so
//	u  unsupported        HFNetChk itself did not check it: left out
//
// What cannot be expressed (a deleted file, a registry "change if exists",
// a folder HFNetChk found by itself such as %ExchSrvr%, a row defined twice
// with different content, a reference to no row) makes the patch a note,
// never a partial check that could call it installed when HFNetChk would
// not. A file given without a version ("na") was compared by HFNetChk's own
// checksum only, which patchscan does not compute (as MBSA's /nosum): it is
// left out and counted.

// checkSet is what a patch's changes become.
type checkSet struct {
	reg      []catalog.Rule
	files    []catalog.FileCheck
	blockers []string // why HFNetChk's checks cannot all be expressed
	noVer    []string // files given without a version
}

func (c *converter) checks(p *Patch) checkSet {
	var s checkSet
	seen := map[string]bool{}
	for _, ref := range p.RegChgs {
		r, why := c.regChange(ref)
		switch {
		case why != "":
			s.block(why)
		case r != nil && !seen[ruleKey(r)]:
			seen[ruleKey(r)] = true
			s.reg = append(s.reg, *r)
		}
	}
	for _, ref := range p.FileChgs {
		fc, why := c.fileChange(ref, &s)
		switch {
		case why != "":
			s.block(why)
		case fc != nil && !seen[fileKey(fc)]:
			seen[fileKey(fc)] = true
			s.files = append(s.files, *fc)
		}
	}
	return s
}

func (s *checkSet) block(why string) {
	if len(s.blockers) < maxReasons && !isOneOf(why, s.blockers) {
		s.blockers = append(s.blockers, why)
	}
}

// rowIndex keeps the one row of each ID, or why there is none to use: a
// row defined again with other content leaves it unknown which one HFNetChk
// checked. Built once, so that a hostile file repeating an ID costs its
// rows, not rows times references.
type rowIndex[T any] struct {
	one   map[int]*T
	twice map[int]int // ID -> number of rows, when they differ
}

func newRowIndex[T any](rows []T, id func(*T) int, same func(a, b *T) bool) rowIndex[T] {
	x := rowIndex[T]{one: map[int]*T{}, twice: map[int]int{}}
	for i := range rows {
		r := &rows[i]
		first, dup := x.one[id(r)]
		switch {
		case !dup:
			x.one[id(r)] = r
		case x.twice[id(r)] > 0:
			x.twice[id(r)]++
		case !same(first, r):
			x.twice[id(r)] = 2
		}
	}
	return x
}

func (x rowIndex[T]) get(table string, id int) (*T, string) {
	if n := x.twice[id]; n > 0 {
		return nil, fmt.Sprintf("%s %d is defined %d times with different content, so which one HFNetChk checked is unknown", table, id, n)
	}
	r, ok := x.one[id]
	if !ok {
		return nil, fmt.Sprintf("%s %d is not defined in the file", table, id)
	}
	return r, ""
}

// regChange turns a RegChange into a RegCheck; nil with no reason when
// HFNetChk did not check it (command u).
func (c *converter) regChange(ref Ref) (*catalog.Rule, string) {
	r, why := c.regChanges.get("RegChangeID", ref.ID)
	if why != "" {
		return nil, why
	}
	cmd := strings.ToLower(r.Command)
	switch cmd {
	case "u":
		c.rep.Unsupported++
		return nil, ""
	case "r", "c", "a", "d":
	case "e":
		return nil, fmt.Sprintf("registry value %s is to be changed only if it exists (command e), which a RegCheck cannot express", r.Name)
	default:
		return nil, fmt.Sprintf("RegChangeID %d has command %s, which is not one of r, c, a, e, d, u", ref.ID, quote(r.Command))
	}
	key, why := c.registryKey(r.LocationID)
	if why != "" {
		return nil, why
	}
	rule := catalog.Rule{Kind: catalog.RuleRegValue, Key: key, Name: r.Name, Op: catalog.OpExists}
	data := registryData(r.Type, strings.TrimSpace(r.Value))
	switch {
	case strings.TrimSpace(r.Name) == "" && data == "":
		rule = catalog.Rule{Kind: catalog.RuleRegKey, Key: key, Op: catalog.OpExists} // the key itself
		if cmd == "d" {
			rule.Op = catalog.OpAbsent
		}
	case cmd == "d":
		rule.Op = catalog.OpAbsent
	case data != "":
		rule.Op, rule.Value = catalog.OpEquals, data
	}
	return &rule, ""
}

// registryData is RegChangeValue as the engine compares it: a REG_DWORD
// (RegKey Type 0x10001, INF's FLG_ADDREG_TYPE_DWORD) given in hexadecimal
// becomes decimal, as the engine renders DWORDs.
func registryData(typ, v string) string {
	if !strings.EqualFold(strings.TrimSpace(typ), "0x10001") || len(v) < 3 || !strings.EqualFold(v[:2], "0x") {
		return v
	}
	if n, err := strconv.ParseUint(v[2:], 16, 32); err == nil {
		return strconv.FormatUint(n, 10)
	}
	return v
}

// registryKey reads a Location as a registry key: HKLM, or HKCR (the
// machine's classes, HKLM\SOFTWARE\Classes).
func (c *converter) registryKey(id int) (string, string) {
	loc := c.locations[id]
	if loc == nil {
		return "", fmt.Sprintf("LocationID %d is not defined in the file", id)
	}
	path := strings.TrimSpace(loc.Path)
	hive, rest, _ := strings.Cut(path, `\`)
	switch strings.ToUpper(hive) {
	case "HKCR", "HKEY_CLASSES_ROOT":
		path = `HKLM\SOFTWARE\Classes\` + rest
	}
	key, err := catalog.NormalizeKey(path)
	if err != nil {
		return "", fmt.Sprintf("registry key %s %v (patchscan reads HKLM only)", quote(loc.Path), err)
	}
	return key, ""
}

// fileChange turns a FileChange into a FileCheck; nil with no reason when
// HFNetChk did not check it (command u) or checked its checksum only.
func (c *converter) fileChange(ref Ref, s *checkSet) (*catalog.FileCheck, string) {
	f, why := c.fileChanges.get("FileChangeID", ref.ID)
	if why != "" {
		return nil, why
	}
	cmd := strings.ToLower(f.Command)
	switch cmd {
	case "u":
		c.rep.Unsupported++
		return nil, ""
	case "c", "a", "e":
	case "d":
		return nil, fmt.Sprintf("the patch deletes %s (command d), and a FileCheck cannot test that a file is absent", f.Name)
	default:
		return nil, fmt.Sprintf("FileChangeID %d has command %s, which is not one of c, a, e, d, u", ref.ID, quote(f.Command))
	}
	v, ok := fileVersion(f.Version)
	if !ok {
		c.rep.ChecksumOnly++
		s.noVer = append(s.noVer, f.Name)
		return nil, ""
	}
	path, why := c.filePath(f)
	if why != "" {
		return nil, why
	}
	return &catalog.FileCheck{Path: path, Version: v, IfExists: cmd == "e"}, ""
}

// fileVersion reads a FileChange's Version; "na", empty and anything that
// is not a version (commas are read as dots: "5,5,0,6330") say there is
// none.
func fileVersion(s string) (version.Version, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", ".")
	if s == "" || strings.EqualFold(s, "na") {
		return version.Version{}, false
	}
	v, err := version.Parse(s)
	return v, err == nil
}

// knownFolders explains the folder variables HFNetChk resolved by itself.
var knownFolders = map[string]string{
	"%exchsrvr%":    "Exchange's installation folder",
	"%mssql7%":      "SQL Server 7.0's installation folder",
	"%userprofile%": "a user's profile folder, one per user",
}

// filePath joins a FileChange's folder and name into a native path.
func (c *converter) filePath(f *FileChange) (string, string) {
	loc := c.locations[f.LocationID]
	if loc == nil {
		return "", fmt.Sprintf("the folder of %s, LocationID %d, is not defined in the file", f.Name, f.LocationID)
	}
	joined := strings.ReplaceAll(strings.TrimSpace(loc.Path)+`\`+strings.TrimSpace(f.Name), "/", `\`)
	for strings.Contains(joined, `\\`) {
		joined = strings.ReplaceAll(joined, `\\`, `\`)
	}
	joined = strings.TrimSuffix(joined, `\`)
	if v, _, ok := strings.Cut(joined[1:], "%"); strings.HasPrefix(joined, "%") && ok {
		if what, known := knownFolders[strings.ToLower("%"+v+"%")]; known {
			return "", fmt.Sprintf("%s is under %%%s%%, %s, which HFNetChk found by itself and patchscan does not resolve", joined, v, what)
		}
	}
	p, err := catalog.NormalizePath(joined)
	if err != nil {
		return "", fmt.Sprintf("the file path %s %v", quote(joined), err)
	}
	return p, ""
}

func ruleKey(r *catalog.Rule) string {
	return fmt.Sprintf("r%d\x00%s\x00%s\x00%s\x00%s", r.Kind, r.Key, r.Name, r.Op, r.Value)
}

func fileKey(f *catalog.FileCheck) string {
	return fmt.Sprintf("f%s\x00%s\x00%t", strings.ToLower(f.Path), f.Version, f.IfExists)
}

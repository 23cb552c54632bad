package detect

import (
	"fmt"
	"strings"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/internal/version"
)

// evalFileRule evaluates a product detection rule on a file: exists,
// absent, version-ge/lt on its FILEVERSION, equals/not-equals/matches on
// the version string, number-ge/le on its size in bytes.
func (s *scanner) evalFileRule(pr *preparedRule, r resolvedPath) (CheckResult, string, string) {
	path := r.path
	a, _, _ := s.fileAnswer(pr.templateID)
	if a.Err != nil {
		return CheckUnreadable, "(unreadable)", fmt.Sprintf("File %s could not be read: %s.", path, clean(a.Err.Error()))
	}
	switch {
	case pr.rule.Op == catalog.OpExists:
		return passIf(a.Found), "", ""
	case pr.rule.Op == catalog.OpAbsent:
		return passIf(!a.Found), "", ""
	case !a.Found:
		return CheckFail, "(not found)", ""
	case pr.catalogError() != "":
		return CheckUnreadable, "", fmt.Sprintf("File rule on %s cannot be checked: %s.", path, pr.catalogError())
	case pr.rule.Op == catalog.OpNumberGE:
		return passIf(a.File.Size >= 0 && uint64(a.File.Size) >= pr.number), "", ""
	case pr.rule.Op == catalog.OpNumberLE:
		return passIf(a.File.Size >= 0 && uint64(a.File.Size) <= pr.number), "", ""
	}
	return passIf(a.File.Version != "" && holdsText(pr, a.File.Version)), clean(a.File.Version), ""
}

func passIf(b bool) CheckResult {
	if b {
		return CheckPass
	}
	return CheckFail
}

// evalFileCheck compares a patch's file with the expected version and,
// where checksums apply, digest.
func (s *scanner) evalFileCheck(fc *preparedFileCheck) (Check, string) {
	want := fc.wantVersion
	c := Check{Kind: CheckFile, Path: fc.check.Path, Expected: want}
	r := s.resolve(fc.templateID)
	if r.err != "" {
		c.Result, c.Found = CheckUnreadable, "(unresolved path)"
		return c, r.err + "."
	}
	c.Path = r.path
	a, req, slot := s.fileAnswer(fc.templateID)
	verify := s.checksum(fc)
	if verify {
		c.Expected = want + " SHA-256 " + fc.sha256
	}
	if fc.check.IfExists {
		c.Expected += " (if present)"
	}
	if a.Err != nil {
		c.Result, c.Found = CheckUnreadable, "(unreadable)"
		return c, fmt.Sprintf("File %s could not be read: %s.", r.path, clean(a.Err.Error()))
	}
	if !a.Found {
		c.Found = "(not found)"
		if fc.check.IfExists {
			// mssecure's "change if exists, ignore if not": a host
			// without the file has nothing to patch.
			c.Result = CheckPass
			return c, ""
		}
		c.Result = CheckFail
		return c, fmt.Sprintf("File %s does not exist; version %s or later is required.", r.path, want)
	}
	got := clean(strings.TrimSpace(a.File.Version))
	c.Found = got
	if got == "" {
		c.Result, c.Found = CheckUnreadable, "(no version)"
		return c, fmt.Sprintf("File %s has no version information; version %s is expected.", r.path, want)
	}
	v, err := s.parsedVersion(slot, a.File.Version)
	if err != nil {
		c.Result = CheckUnreadable
		return c, fmt.Sprintf("File %s reports an unusable file version [%s].", r.path, got)
	}
	switch v.Compare(fc.check.Version) {
	case -1:
		c.Result = CheckFail
		return c, fmt.Sprintf("File %s has version %s; %s or later is required.", r.path, got, want)
	case 1:
		if fc.check.Cumulative && sameBranch(v, fc.check.Version) {
			// A later build of the same servicing branch contains every
			// earlier fix; its checksum is not the expected file's.
			c.Result = CheckPass
			return c, ""
		}
		c.Result = CheckNewer
		return c, fmt.Sprintf("File %s has a file version [%s] greater than what is expected [%s].", r.path, got, want)
	}
	if !verify {
		c.Result = CheckPass
		return c, ""
	}
	return s.checkDigest(c, fc, r.path, a.File.SHA256, req.SHA256)
}

// checkDigest finishes a file check whose version is the expected one by
// comparing the file's SHA-256 with the catalog's. asked says whether the
// request carried the checksum at all.
func (s *scanner) checkDigest(c Check, fc *preparedFileCheck, path, digest string, asked bool) (Check, string) {
	got := c.Found
	sum := strings.ToLower(strings.TrimSpace(digest))
	if sum == "" || !asked {
		c.Result = CheckUnreadable
		return c, fmt.Sprintf("File %s: the host did not return its checksum, so the patch cannot be verified.", path)
	}
	c.Found = got + " SHA-256 " + clean(sum)
	if sum != fc.sha256 {
		c.Result = CheckFail
		return c, fmt.Sprintf("File %s has an invalid checksum and its file version [%s] is equal to what is expected [%s].", path, got, fc.wantVersion)
	}
	c.Result = CheckPass
	return c, ""
}

// sameBranch says whether two file versions belong to one servicing branch
// of a cumulative-update Windows: the same first three parts
// (10.0.17763.x), the fourth being the update revision.
func sameBranch(a, b version.Version) bool {
	return a.Part(0) == b.Part(0) && a.Part(1) == b.Part(1) && a.Part(2) == b.Part(2)
}

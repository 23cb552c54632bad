package detect

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/internal/winkeys"
)

// Cumulative OS builds (format v2, Patch FixedBuild). Since Windows 10 and
// Server 2016 every monthly update is cumulative: a host whose
// CurrentBuildNumber equals the FixedBuild's third part and whose UBR
// (update build revision) is at least its fourth part has the fix, however
// much later its UBR is. The values come from batch (a), so a FixedBuild
// costs no fact of its own.

// buildDisplay is where a FixedBuild check looks, as shown in its Check.
const buildDisplay = winkeys.NTCurrentVersion + `\CurrentBuildNumber.UBR`

// prepareFixedBuild checks a catalog FixedBuild once per engine: only a
// four-part version (10.0.17763.8389) says which build and which UBR.
func prepareFixedBuild(pp *preparedPatch, p *catalog.Patch) {
	fb := p.FixedBuild
	switch {
	case fb.Len() == 0:
	case fb.Len() != 4:
		pp.fixedBuildErr = fmt.Sprintf("the catalog's FixedBuild %s is not a four-part version (major.minor.build.UBR)", fb)
	default:
		pp.fixedBuild = fb
	}
}

// osBuild is the host's build and UBR as FixedBuild checks read them.
type osBuild struct {
	build, ubr uint64
	buildText  string // CurrentBuildNumber as found ("" = absent)
	// unreadable says why the build or the UBR could not be read: every
	// FixedBuild check on the host is then an error, never a guess.
	unreadable string
}

// readOSBuild reads CurrentBuildNumber (CurrentBuild on hosts without it)
// and UBR once per host. A missing UBR (a host that never took a
// cumulative update, or an old release) counts as 0.
func (s *scanner) readOSBuild() {
	b := &s.osBuild
	text, found, err := s.identityString(idCurrentBuildNumber)
	if err == nil && !found {
		text, found, err = s.identityString(idCurrentBuild)
	}
	switch {
	case err != nil:
		b.unreadable = fmt.Sprintf("the host's CurrentBuildNumber (%s) could not be read: %s", winkeys.NTCurrentVersion, clean(err.Error()))
		return
	case !found:
		return
	}
	b.buildText = clean(strings.TrimSpace(text))
	n, perr := strconv.ParseUint(strings.TrimSpace(text), 10, 32)
	if perr != nil {
		b.unreadable = fmt.Sprintf("the host's CurrentBuildNumber [%s] is not a build number", b.buildText)
		return
	}
	b.build = n
	a := s.regAnswer(idUBR)
	switch {
	case a.Err != nil:
		b.unreadable = fmt.Sprintf("the host's UBR (%s) could not be read: %s", winkeys.NTCurrentVersion, clean(a.Err.Error()))
	case a.Found:
		u, ok := a.Value.Uint()
		if !ok || u > 1<<32-1 {
			b.unreadable = fmt.Sprintf("the host's UBR has an unusable value [%s]", clean(a.Value.Text()))
		}
		b.ubr = u
	}
}

// buildVerdict is what a FixedBuild check concluded. otherBuild: the host
// runs another build than the one the FixedBuild names, so this check
// cannot judge the patch (note, never installed or missing by guess).
type buildVerdict struct {
	check      Check
	reason     string
	otherBuild bool
}

// evalFixedBuild compares the host's build and UBR with a patch's FixedBuild.
func (s *scanner) evalFixedBuild(pp *preparedPatch) buildVerdict {
	c := Check{Kind: CheckBuild, Path: buildDisplay}
	if pp.fixedBuildErr != "" {
		c.Result = CheckUnreadable
		return buildVerdict{check: c, reason: "The OS build cannot be checked: " + pp.fixedBuildErr + "."}
	}
	fb := pp.fixedBuild
	wantBuild, wantUBR := fb.Part(2), fb.Part(3)
	c.Expected = fmt.Sprintf("%d.%d", wantBuild, wantUBR)
	b := &s.osBuild
	switch {
	case b.unreadable != "":
		c.Result, c.Found = CheckUnreadable, "(unreadable)"
		return buildVerdict{check: c, reason: "The OS build cannot be checked: " + b.unreadable + "."}
	case b.buildText == "":
		return buildVerdict{otherBuild: true, reason: fmt.Sprintf(
			"The patch cannot be confirmed: it is for OS build %d (FixedBuild %s) and the host reports no CurrentBuildNumber.", wantBuild, fb)}
	case b.build != wantBuild:
		return buildVerdict{otherBuild: true, reason: fmt.Sprintf(
			"The patch cannot be confirmed on this host: it is for OS build %d (FixedBuild %s) and the host runs build %d.", wantBuild, fb, b.build)}
	}
	c.Found = fmt.Sprintf("%d.%d", b.build, b.ubr)
	if b.ubr < wantUBR {
		c.Result = CheckFail
		return buildVerdict{check: c, reason: fmt.Sprintf(
			"The OS build is %s; %s (FixedBuild %s) or later in the same build is required for this patch to be considered installed.", c.Found, c.Expected, fb)}
	}
	c.Result = CheckPass
	return buildVerdict{check: c}
}

package main

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"github.com/patchscan/patchscan/baseline"
	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/configcheck"
	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/scan"
)

// What a scan evaluates (issue 16): --checks patches,config selects the
// patch checks (HFNetChk) and the configuration checks (MBSA mode), both
// by default as in MBSA; --baseline-file replaces the embedded
// configuration baseline.

// checksFlag is --checks.
type checksFlag struct{ patches, config bool }

func (c *checksFlag) String() string {
	var s []string
	if c.patches {
		s = append(s, "patches")
	}
	if c.config {
		s = append(s, "config")
	}
	return strings.Join(s, ",")
}

func (c *checksFlag) Set(v string) error {
	var set checksFlag
	for _, p := range strings.Split(v, ",") {
		switch strings.ToLower(strings.TrimSpace(p)) {
		case "patches":
			set.patches = true
		case "config":
			set.config = true
		case "all":
			set.patches, set.config = true, true
		default:
			return fmt.Errorf("%q: use patches, config or both (patches,config)", p)
		}
	}
	*c = set
	return nil
}

func (c *checksFlag) Type() string { return "patches,config" }

func (f *scanFlags) registerChecks(fs *pflag.FlagSet) {
	f.checks = checksFlag{patches: true, config: true}
	fs.Var(&f.checks, "checks", "what to check: patches (HFNetChk mode), config (MBSA's configuration checks: docs/baseline-format.md), or both")
	fs.StringVar(&f.baselineFile, "baseline-file", "", "configuration baseline file replacing the embedded one (validated: every problem is listed)")
}

// configChecks loads the configuration baseline when config checks are
// asked for (nil otherwise). An invalid baseline exits 65, as a catalog.
func (f *scanFlags) configChecks() (*configcheck.Engine, error) {
	if !f.checks.config {
		if f.baselineFile != "" {
			return nil, usageErrorf("--baseline-file is for configuration checks: add config to --checks")
		}
		return nil, nil
	}
	var b *baseline.Baseline
	var err error
	if f.baselineFile == "" {
		b, err = baseline.Default()
	} else {
		b, err = baseline.LoadFile(f.baselineFile)
	}
	if err != nil {
		return nil, &exitError{code: ExitBadCatalog, err: err}
	}
	return configcheck.New(b), nil
}

// patchEngine is the patch engine, or, with --checks config alone, one over
// an empty catalog: the host's identity is still read and reported, no
// patch is evaluated.
func (f *scanFlags) patchEngine(stderr interface{ Write([]byte) (int, error) }) (*catalog.Catalog, *detect.Engine, error) {
	if f.checks.patches {
		return f.engine(stderr)
	}
	for _, flag := range []struct {
		set  bool
		name string
	}{{f.catalogPath != "", "--catalog"}, {f.suppressFile != "", "--suppress"}, {f.approvedFile != "", "--approved"}, {f.baseline, "--baseline"}} {
		if flag.set {
			return nil, nil, usageErrorf("%s is for patch checks: add patches to --checks", flag.name)
		}
	}
	cat := &catalog.Catalog{Source: "(none: --checks config)"}
	return cat, detect.New(cat, detect.Options{}), nil
}

// baselineName is what reports say of the baseline ("" without config
// checks).
func baselineName(e *configcheck.Engine) string {
	if e == nil {
		return ""
	}
	b := e.Baseline()
	return strings.TrimSpace(b.Name + " " + b.Version)
}

// configChecks gives the run its checks; a nil engine is no checks (not a
// non-nil interface holding nil).
func configChecks(e *configcheck.Engine) scan.ConfigChecks {
	if e == nil {
		return nil
	}
	return e
}

package scan

import (
	"context"
	"errors"

	"github.com/patchscan/patchscan/configcheck"
	"github.com/patchscan/patchscan/detect"
	"github.com/patchscan/patchscan/facts"
)

// ConfigChecks evaluates a configuration baseline on one host (issue 16).
// *configcheck.Engine satisfies it.
type ConfigChecks interface {
	Evaluate(ctx context.Context, h facts.Host) (*configcheck.Report, error)
}

// evaluate runs the patch engine and, when the run has them, the
// configuration checks on one open session, in that order (the
// configuration facts are one more batch on the same session).
func (c Config) evaluate(ctx context.Context, h facts.Host) (*detect.Report, *configcheck.Report, error) {
	rep, err := c.Engine.Scan(ctx, h)
	if err != nil {
		return nil, nil, err
	}
	if rep == nil {
		return nil, nil, errors.New("the engine returned no report")
	}
	if c.Checks == nil {
		return rep, nil, nil
	}
	cfg, err := c.Checks.Evaluate(ctx, h)
	if err != nil {
		return nil, nil, err
	}
	return rep, cfg, nil
}

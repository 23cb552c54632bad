package scan

import (
	"context"
	"errors"
	"time"

	"github.com/patchscan/patchscan/scan/targets"
	"github.com/patchscan/patchscan/scan/transport"
)

// Identified is a session that knows its host's name and address itself,
// as an offline image does (ComputerName from its registry, its path),
// and what the operator should know about its data.
type Identified interface {
	Name() string    // "" when unknown
	Address() string // what reports show as the address
	Warnings() []string
}

// RunImages scans offline images (--image DIR) with opener, one after
// another: reading a local volume takes milliseconds, needs no pool, no
// name resolution and no probe. Each gets cfg.Timeout; emit is called
// once per image, from the calling goroutine. When ctx ends, the images
// not yet started are left and the summary says Interrupted.
func RunImages(ctx context.Context, cfg Config, opener transport.Opener, dirs []string, emit func(HostResult)) Summary {
	cfg = cfg.withDefaults()
	sum := Summary{ByStatus: map[transport.Outcome]int{}}
	for i, dir := range dirs {
		if ctx.Err() != nil {
			sum.Interrupted = true
			break
		}
		r := cfg.image(ctx, opener, dir)
		r.Seq = i
		sum.Hosts++
		sum.ByStatus[r.Status]++
		if errors.Is(r.Error, ErrInterrupted) {
			sum.Interrupted = true
		}
		emit(r)
	}
	return sum
}

func (c Config) image(runCtx context.Context, opener transport.Opener, dir string) HostResult {
	r := HostResult{Target: dir, Name: dir, Address: dir, Transport: opener.Name(), Started: time.Now()}
	if c.OnStart != nil {
		c.OnStart(targets.Target{Host: dir})
	}
	hctx, cancel := context.WithTimeout(runCtx, c.Timeout)
	defer cancel()
	sess, err := opener.Open(hctx, transport.Endpoint{Host: dir}, transport.Options{Timeout: c.Timeout})
	if err != nil {
		return c.fail(r, runCtx, hctx, err)
	}
	defer sess.Close()
	if id, ok := sess.(Identified); ok {
		if id.Name() != "" {
			r.Name = id.Name()
		}
		r.Address, r.Warnings = id.Address(), id.Warnings()
	}
	r.Transport = transport.SessionTransport(sess, r.Transport)
	rep, cfg, err := c.evaluate(hctx, sess)
	if err != nil {
		return c.fail(r, runCtx, hctx, err)
	}
	r.Status, r.Report, r.Config = transport.Scanned, rep, cfg
	r.Finished = time.Now()
	return r
}

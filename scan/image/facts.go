package image

import (
	"context"
	"errors"
	"sync"

	"github.com/patchscan/patchscan/facts"
	"github.com/patchscan/patchscan/scan/image/hive"
	"github.com/patchscan/patchscan/scan/transport"
)

// Facts answers a batch: registry facts from the hives (each key opened
// once and kept), files read concurrently. A damaged hive met on the way
// fails the whole host: its registry can't be trusted for any verdict.
func (h *Host) Facts(ctx context.Context, reqs []facts.Request) ([]facts.Answer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	answers := make([]facts.Answer, len(reqs))
	workers := h.opts.FileConcurrency
	if workers <= 0 {
		workers = 8
	}
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	for i, r := range reqs {
		switch r.Kind {
		case facts.FactFile:
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				if err := ctx.Err(); err != nil {
					answers[i].Err = err
					return
				}
				answers[i] = h.fileAnswer(ctx, r)
			})
		case facts.FactRegKey, facts.FactRegValue:
			if err := ctx.Err(); err != nil {
				break
			}
			answers[i] = h.regAnswer(r)
		default:
			if err := ctx.Err(); err != nil {
				break
			}
			answers[i] = h.configAnswer(r) // config.go
		}
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, a := range answers {
		var ce *hive.CorruptError
		if errors.As(a.Err, &ce) {
			return nil, &transport.Error{Outcome: transport.Failed, Host: h.dir, Op: "read the " + ce.Hive, Err: a.Err, Hint: hiveHint(a.Err)}
		}
	}
	return answers, nil
}

// Opener opens images for the scan run: the endpoint's Host is the image
// directory.
type Opener struct{ Options Options }

// Name is "image".
func (Opener) Name() string { return TransportName }

// Open opens the image at ep.Host.
func (o Opener) Open(ctx context.Context, ep transport.Endpoint, _ transport.Options) (transport.Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	h, err := Open(ep.Host, o.Options)
	if err != nil {
		return nil, err // not a typed nil in the interface
	}
	return h, nil
}

package chromium

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Page is one tab, attached with its own session.
type Page struct {
	b       *Browser
	session string
	url     string // the page navigated to
}

// NewPage opens a tab with a viewport of width x height and turns on the
// events a test reads: page lifecycle, console, exceptions, log entries and
// network requests.
func (b *Browser) NewPage(ctx context.Context, width, height int) (*Page, error) {
	var t struct {
		TargetID string `json:"targetId"`
	}
	if err := b.call(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"}, &t); err != nil {
		return nil, err
	}
	var a struct {
		SessionID string `json:"sessionId"`
	}
	if err := b.call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": t.TargetID, "flatten": true}, &a); err != nil {
		return nil, err
	}
	p := &Page{b: b, session: a.SessionID}
	for _, domain := range []string{"Page", "Runtime", "Log", "Network"} {
		if err := p.Call(ctx, domain+".enable", nil, nil); err != nil {
			return nil, err
		}
	}
	err := p.Call(ctx, "Emulation.setDeviceMetricsOverride", map[string]any{
		"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}, nil)
	return p, err
}

// Call sends a command to the page's session.
func (p *Page) Call(ctx context.Context, method string, params, result any) error {
	return p.b.call(ctx, p.session, method, params, result)
}

// Navigate loads url and waits for its load event.
func (p *Page) Navigate(ctx context.Context, url string) error {
	p.url = url
	before := len(p.b.Events(p.session))
	var r struct {
		ErrorText string `json:"errorText"`
	}
	if err := p.Call(ctx, "Page.navigate", map[string]any{"url": url}, &r); err != nil {
		return err
	}
	if r.ErrorText != "" {
		return fmt.Errorf("navigating to %s: %s", url, r.ErrorText)
	}
	for {
		for _, e := range p.b.Events(p.session)[before:] {
			if e.Method == "Page.loadEventFired" {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s to load: %w", url, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Eval evaluates a JavaScript expression (awaiting a promise) and decodes
// its value into out.
func (p *Page) Eval(ctx context.Context, expr string, out any) error {
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		Exception *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	err := p.Call(ctx, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true}, &r)
	if err != nil {
		return err
	}
	if r.Exception != nil {
		return fmt.Errorf("evaluating %q: %s %s", expr, r.Exception.Text, r.Exception.Exception.Description)
	}
	if out == nil {
		return nil
	}
	if len(r.Result.Value) == 0 {
		return fmt.Errorf("evaluating %q: no value", expr)
	}
	return json.Unmarshal(r.Result.Value, out)
}

// WaitFor evaluates a boolean expression until it is true.
func (p *Page) WaitFor(ctx context.Context, expr string) error {
	for {
		var ok bool
		if err := p.Eval(ctx, "Boolean("+expr+")", &ok); err != nil {
			return err
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", expr, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Screenshot returns a PNG of the whole page.
func (p *Page) Screenshot(ctx context.Context) ([]byte, error) {
	var r struct {
		Data string `json:"data"`
	}
	if err := p.Call(ctx, "Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true}, &r); err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(r.Data)
}

// Problems lists what went wrong on the page so far: uncaught exceptions,
// console errors and warnings, log entries of level error or warning (CSP
// violations among them) and every network request for anything other than
// the page's own URL (the report must fetch nothing).
func (p *Page) Problems() []string {
	var out []string
	for _, e := range p.b.Events(p.session) {
		switch e.Method {
		case "Runtime.exceptionThrown":
			var v struct {
				Details struct {
					Text      string `json:"text"`
					Exception struct {
						Description string `json:"description"`
					} `json:"exception"`
				} `json:"exceptionDetails"`
			}
			_ = json.Unmarshal(e.Params, &v)
			out = append(out, "exception: "+v.Details.Text+" "+v.Details.Exception.Description)
		case "Runtime.consoleAPICalled":
			var v struct {
				Type string `json:"type"`
				Args []struct {
					Value       any    `json:"value"`
					Description string `json:"description"`
				} `json:"args"`
			}
			_ = json.Unmarshal(e.Params, &v)
			if v.Type == "error" || v.Type == "warning" || v.Type == "assert" {
				out = append(out, fmt.Sprintf("console.%s: %v", v.Type, v.Args))
			}
		case "Log.entryAdded":
			var v struct {
				Entry struct {
					Level, Source, Text, URL string
				} `json:"entry"`
			}
			_ = json.Unmarshal(e.Params, &v)
			if v.Entry.Level == "error" || v.Entry.Level == "warning" {
				out = append(out, fmt.Sprintf("log %s (%s): %s %s", v.Entry.Level, v.Entry.Source, v.Entry.Text, v.Entry.URL))
			}
		case "Network.requestWillBeSent":
			var v struct {
				Request struct {
					URL string `json:"url"`
				} `json:"request"`
			}
			_ = json.Unmarshal(e.Params, &v)
			if u := v.Request.URL; u != p.url && !strings.HasPrefix(u, "about:") {
				out = append(out, "network request: "+u)
			}
		}
	}
	return out
}

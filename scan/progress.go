package scan

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/patchscan/patchscan/internal/textsafe"
	"github.com/patchscan/patchscan/scan/targets"
	"github.com/patchscan/patchscan/scan/transport"
)

// maxLogLine bounds what one log line quotes of a target or an error:
// hosts, AD and target lists are outside text, and reach a terminal only
// through textsafe.
const maxLogLine = 4096

// Progress shows a run as it goes: a one-line bar redrawn on a terminal
// and, when verbose, a line as each host starts and finishes. Start is
// meant for Config.OnStart (the workers call it concurrently), Finish for
// Run's emit; a mutex orders their output.
type Progress struct {
	w       io.Writer
	total   int
	bar     bool
	verbose bool

	mu       sync.Mutex
	began    time.Time
	finished int
	failed   int
	drawn    bool
	lastDraw time.Time
}

// NewProgress shows a run of total hosts on w: the bar only when bar (w is
// a terminal), the host lines only when verbose.
func NewProgress(w io.Writer, total int, bar, verbose bool) *Progress {
	return &Progress{w: w, total: total, bar: bar, verbose: verbose, began: time.Now()}
}

// Start notes that t started.
func (p *Progress) Start(t targets.Target) {
	if !p.verbose {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
	from := ""
	if t.Input != "" && t.Input != t.Host {
		from = " (from " + textsafe.Line(t.Input, maxLogLine) + ")"
	}
	fmt.Fprintf(p.w, "patchscan: %s: starting%s\n", textsafe.Line(t.String(), maxLogLine), from)
	p.draw(true)
}

// Finish counts r and, when verbose, says how it ended.
func (p *Progress) Finish(r HostResult) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.finished++
	if r.Status != transport.Scanned {
		p.failed++
	}
	if p.verbose {
		p.clear()
		took := r.Finished.Sub(r.Started).Round(time.Millisecond)
		if r.Status == transport.Scanned {
			fmt.Fprintf(p.w, "patchscan: %s: scanned in %s\n", textsafe.Line(r.Target, maxLogLine), took)
		} else {
			fmt.Fprintf(p.w, "patchscan: %s: %s in %s: %s\n", textsafe.Line(r.Target, maxLogLine), r.Status, took, textsafe.Line(r.Reason(), maxLogLine))
		}
	}
	p.draw(p.verbose)
}

// Done draws the bar a last time and ends its line.
func (p *Progress) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.draw(true)
	if p.drawn {
		fmt.Fprintln(p.w)
		p.drawn = false
	}
}

// Pause erases the bar until the next draw, e.g. while a report goes to
// the same terminal.
func (p *Progress) Pause() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
}

// clear erases the bar so a log line can take its place.
func (p *Progress) clear() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}

// draw redraws the bar at most every 100 ms unless forced.
func (p *Progress) draw(force bool) {
	if !p.bar {
		return
	}
	now := time.Now()
	if !force && now.Sub(p.lastDraw) < 100*time.Millisecond {
		return
	}
	p.lastDraw = now
	elapsed := now.Sub(p.began).Seconds()
	rate := 0.0
	if elapsed > 0 {
		rate = float64(p.finished) / elapsed
	}
	eta := "--:--"
	if rate > 0 && p.total >= p.finished {
		left := time.Duration(float64(p.total-p.finished) / rate * float64(time.Second))
		eta = fmt.Sprintf("%02d:%02d", int(left.Minutes()), int(left.Seconds())%60)
	}
	const width = 30
	fill := 0
	if p.total > 0 {
		fill = min(width, p.finished*width/p.total)
	}
	fmt.Fprintf(p.w, "\r\x1b[K[%s%s] %d/%d hosts, %d failed, %.1f hosts/s, ETA %s",
		strings.Repeat("#", fill), strings.Repeat(".", width-fill), p.finished, p.total, p.failed, rate, eta)
	p.drawn = true
}

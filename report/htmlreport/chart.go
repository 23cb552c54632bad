package htmlreport

import (
	"strconv"

	"github.com/patchscan/patchscan/report/history"
)

// The trend chart: the share of scanned hosts that are compliant (a line,
// left axis, 0-100%) and the overdue findings (bars, right axis) of each
// run, oldest on the left. It is SVG written into the page, so it needs no
// script and no fetch.
const (
	chartW, chartH = 760.0, 240.0
	padL, padR     = 48.0, 56.0
	padT, padB     = 16.0, 40.0
	// maxTrendRuns bounds the runs the chart shows (a year of weekly runs).
	maxTrendRuns = 60
)

type chart struct {
	W, H, Left, Right, Top, Bottom float64
	Points                         string // polyline points
	Dots                           []dot
	Bars                           []bar
	YTicks                         []tick
	OverdueMax                     int
	Labels                         []tick
	Empty                          bool
}

type dot struct {
	X, Y  float64
	Title string
}

type bar struct {
	X, Y, W, H float64
	Title      string
}

type tick struct {
	X, Y  float64
	Label string
}

// trend lays out the chart for runs (newest first, as the store lists them).
func trend(runs []history.Run) chart {
	c := chart{W: chartW, H: chartH, Left: padL, Right: chartW - padR, Top: padT, Bottom: chartH - padB}
	if len(runs) > maxTrendRuns {
		runs = runs[:maxTrendRuns]
	}
	n := len(runs)
	if n == 0 {
		c.Empty = true
		return c
	}
	for _, r := range runs {
		c.OverdueMax = max(c.OverdueMax, r.Overdue)
	}
	plotW, plotH := c.Right-c.Left, c.Bottom-c.Top
	step := plotW / float64(max(n, 1))
	for i := 0; i <= 4; i++ {
		y := c.Bottom - plotH*float64(i)/4
		c.YTicks = append(c.YTicks, tick{X: c.Left - 6, Y: y, Label: itoa(25*i) + "%"})
	}
	for k := 0; k < n; k++ {
		r := runs[n-1-k] // oldest first
		x := c.Left + step*(float64(k)+0.5)
		share := 0.0
		if r.Scanned > 0 {
			share = float64(r.Compliant) / float64(r.Scanned)
		}
		y := c.Bottom - plotH*share
		when := r.Started.UTC().Format("2006-01-02")
		title := "run " + line(r.Ref, maxName) + ", " + when + ": " + pct(r.Compliant, r.Scanned) + " compliant (" +
			itoa(r.Compliant) + " of " + itoa(r.Scanned) + " scanned), " + itoa(r.Overdue) + " overdue"
		if c.Points != "" {
			c.Points += " "
		}
		c.Points += ff(x) + "," + ff(y)
		c.Dots = append(c.Dots, dot{X: x, Y: y, Title: title})
		if c.OverdueMax > 0 {
			h := plotH * float64(r.Overdue) / float64(c.OverdueMax)
			c.Bars = append(c.Bars, bar{X: x - step*0.3, Y: c.Bottom - h, W: step * 0.6, H: h, Title: title})
		}
		if n <= 12 || k%((n+11)/12) == 0 || k == n-1 {
			c.Labels = append(c.Labels, tick{X: x, Y: c.Bottom + 16, Label: r.Started.UTC().Format("01-02")})
		}
	}
	return c
}

// ff writes a coordinate with one decimal.
func ff(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

func itoa(n int) string { return strconv.Itoa(n) }

func trimFloat(v float64) string {
	s := strconv.FormatFloat(v, 'f', 1, 64)
	if len(s) > 2 && s[len(s)-2:] == ".0" {
		s = s[:len(s)-2]
	}
	return s
}

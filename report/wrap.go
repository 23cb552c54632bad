package report

import (
	"strings"

	"github.com/patchscan/patchscan/internal/textsafe"
)

// The table's long cells are wrapped onto several lines of the cell, not
// cut: an OS line cut at 48 characters lost the build ("build 1776…")
// and an error cut at 96 lost the hint that says what to do (issue
// 13.13).
const (
	osWidth    = 40 // the OS column, wrapped between its parts
	errorWidth = 72 // the ERROR column of hosts not scanned
	// errorLines bounds an error cell; a longer one (a host's own fault
	// text) keeps its first and last lines, where the cause and the
	// hint are.
	errorLines = 8
	// maxPart bounds one part of a wrapped cell, whatever a host sends.
	maxPart = 200
)

// wrapParts joins the parts of s (split at sep) into lines of at most
// width characters where they fit, one part per line where they don't.
func wrapParts(s, sep string, width int) string {
	if s == "" {
		return ""
	}
	var lines []string
	cur := ""
	parts := strings.Split(s, sep)
	for i, p := range parts {
		p = textsafe.Line(p, maxPart)
		if i < len(parts)-1 {
			p += strings.TrimRight(sep, " ")
		}
		switch {
		case cur == "":
			cur = p
		case len(cur)+1+len(p) <= width:
			cur += " " + p
		default:
			lines = append(lines, cur)
			cur = p
		}
	}
	return strings.Join(append(lines, cur), "\n")
}

// wrapWords wraps s at spaces into lines of at most width characters (a
// longer word gets a line of its own), at most maxLines of them: past
// that, the middle gives way to "…".
func wrapWords(s string, width, maxLines int) string {
	var lines []string
	cur := ""
	for _, w := range strings.Fields(s) {
		w = textsafe.Line(w, maxPart)
		switch {
		case cur == "":
			cur = w
		case len(cur)+1+len(w) <= width:
			cur += " " + w
		default:
			lines = append(lines, cur)
			cur = w
		}
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	if len(lines) > maxLines {
		head := maxLines / 2
		tail := maxLines - head - 1
		lines = append(append(lines[:head:head], "…"), lines[len(lines)-tail:]...)
	}
	return strings.Join(lines, "\n")
}

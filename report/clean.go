package report

import "github.com/patchscan/patchscan/internal/textsafe"

// MaxValueLen bounds every string a report carries, in bytes. A hostile or
// broken host can return megabytes in a registry value; the report keeps
// the start and says it was cut, so files stay small enough for `rollup`
// to read back (see MaxReportSize).
const MaxValueLen = 8 << 10

// clean is what every output format carries of a host's string:
// textsafe.Value at MaxValueLen bytes (valid UTF-8, only characters XML
// can carry; tab, newline and carriage return are kept and the XML writer
// encodes them as character references so they survive attribute
// normalization).
func clean(s string) string { return textsafe.Value(s, MaxValueLen) }

// term is what the terminal formats (table, text) show of one:
// textsafe.Line, so no control or bidi character reaches the screen.
func term(s string) string { return textsafe.Line(s, MaxValueLen) }

package detect

import "github.com/patchscan/patchscan/internal/textsafe"

// maxShown bounds, in bytes, a host-provided string quoted in a reason or a
// check, so a huge value can't bloat every report that mentions it.
const maxShown = 1024

// clean is what a reason or a check quotes of a host's string:
// textsafe.Value at maxShown bytes. The writers apply their own rules on
// top (terminal formats neutralise control and bidi characters).
func clean(s string) string { return textsafe.Value(s, maxShown) }

package catalog

import (
	"bytes"
	_ "embed"
)

//go:embed default/catalog.xml
var defaultXML []byte

// DefaultName is the Source of the embedded catalog, used in messages.
const DefaultName = "<embedded>"

// Default loads the catalog built into the binary. It is parsed on each
// call so callers may modify what they get.
func Default() (*Catalog, error) {
	return Load(bytes.NewReader(defaultXML), DefaultName)
}

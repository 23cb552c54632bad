package main

import (
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/catalog/update"
	"github.com/patchscan/patchscan/internal/textsafe"
)

// defaultCatalog is the catalog of a scan without --catalog: the newer of
// the one `patchscan catalog update` keeps in the user cache directory and
// the one built into patchscan. It says on stderr which one and of when,
// and warns when that data is more than 35 days old (Microsoft releases
// monthly, so a release has been missed).
func defaultCatalog(stderr io.Writer, now time.Time) (*catalog.Catalog, error) {
	cached := ""
	if dir, err := update.DefaultCacheDir(); err == nil {
		cached = filepath.Join(dir, update.CatalogFile)
	}
	cat, choice, err := catalog.LoadNewest(cached)
	if err != nil {
		return nil, err
	}
	if choice.Note != "" {
		fmt.Fprintf(stderr, "patchscan: %s\n", textsafe.Line(choice.Note, maxStderrLine))
	}
	which := "the catalog built into patchscan"
	if choice.Source != catalog.DefaultName {
		which = "the catalog from patchscan catalog update, " + textsafe.Line(choice.Source, maxStderrLine) + ","
	}
	fmt.Fprintf(stderr, "patchscan: using %s data of %s\n", which, textsafe.Line(orDash(choice.Date), 64))
	if age, ok := catalog.DataAge(cat, now); ok && age > update.StaleAfter {
		fmt.Fprintf(stderr, "patchscan: warning: the catalog's newest data is %d days old, so updates released since are not judged; run patchscan catalog update\n", int(age.Hours()/24))
	}
	return cat, nil
}

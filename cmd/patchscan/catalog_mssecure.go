package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"regexp"

	"github.com/spf13/cobra"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/catalog/mssecure"
	"github.com/patchscan/patchscan/internal/textsafe"
)

// Microsoft's own catalog, mssecure.xml, wherever patchscan reads a
// catalog: `catalog import mssecure` converts it into a native file; scan
// --catalog, catalog show and catalog validate recognise it by its root
// (SchemaVersion, ToolVersion) and convert it on the fly, saying so.

func newCatalogImportMssecureCmd() *cobra.Command {
	var out string
	c := &cobra.Command{
		Use:   "mssecure FILE [-o OUT]",
		Short: "Convert Microsoft's mssecure.xml (HFNetChk/MBSA 1.x) into a catalog",
		Long: `mssecure converts Microsoft's own security catalog, mssecure.xml (the file
HFNetChk and MBSA 1.x downloaded as mssecure.cab; extract it first), into a
native catalog: its bulletins and patches, the registry values and file
versions that prove a patch installed (per HFNetChk's commands: r, c, a, d,
e = only if the file is present, u = not checked), Windows service packs as
levels, supersedence, and detection rules for its products, which HFNetChk
recognised in its own code (docs/catalog-format.md, "Importing
mssecure.xml", lists them). What patchscan cannot check as HFNetChk did (a
product that cannot be recognised remotely, a file under %ExchSrvr%, a
service pack of Office) becomes a note naming the reason.

Warnings, one per kind of problem with the source's line and column, and
a summary go to standard error; the summary counts the file's bulletins,
patches and patches with registry or file checks, then what the catalog
holds. FILE may be gzip-compressed or "-" for standard input. The catalog
goes to standard output, or to OUT (written atomically).

scan --catalog, catalog show and catalog validate also read mssecure.xml
directly, converting it on the fly.

Exit status: 0 written, 64 usage error, 65 the file is not a readable
mssecure.xml (every problem listed with line and column), 70 the catalog
could not be written.`,
		Example: `  patchscan catalog import mssecure mssecure.xml -o mssecure-catalog.xml
  expand mssecure.cab . && patchscan catalog import mssecure mssecure.xml > hfnetchk.xml
  patchscan scan --image /mnt/w2k --catalog mssecure.xml     # converted on the fly`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return importMssecure(cmd, args[0], out)
		},
	}
	c.Flags().StringVarP(&out, "output", "o", "", "write the catalog to this file instead of standard output")
	return c
}

func importMssecure(cmd *cobra.Command, path, out string) error {
	stderr := cmd.ErrOrStderr()
	doc, err := parseMssecure(path, cmd.InOrStdin())
	if err != nil {
		printLoadError(stderr, displayName(path), err)
		return &exitError{code: ExitBadCatalog}
	}
	cat, rep, err := mssecure.Convert(doc)
	for _, w := range rep.Warnings {
		fmt.Fprintf(stderr, "patchscan: warning: %s\n", textsafe.Line(w, maxCatalogText))
	}
	if err != nil {
		return &exitError{code: ExitBadCatalog, err: err}
	}
	if err := writeImported(cmd, cat, out); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "patchscan: imported %s; %d warnings\n", textsafe.Line(rep.String(), maxCatalogText), len(rep.Warnings))
	return nil
}

func parseMssecure(path string, stdin io.Reader) (*mssecure.Document, error) {
	if path == "-" {
		return mssecure.Parse(stdin, "<stdin>", mssecure.Limits{})
	}
	return mssecure.ParseFile(path, mssecure.Limits{})
}

// loadCatalogFile loads a catalog file ("-": stdin): a native catalog as it
// is, Microsoft's mssecure.xml converted on the fly, which it says on
// stderr (with every warning of the conversion when verbose).
func loadCatalogFile(path string, stdin io.Reader, stderr io.Writer, verbose bool) (*catalog.Catalog, error) {
	var doc *mssecure.Document
	var err error
	if path == "-" {
		br := bufio.NewReaderSize(stdin, mssecure.SniffBytes)
		if !mssecure.Is(br) {
			return catalog.Load(br, "<stdin>")
		}
		doc, err = mssecure.Parse(br, "<stdin>", mssecure.Limits{})
	} else {
		if !fileIsMssecure(path) {
			return catalog.LoadFile(path)
		}
		doc, err = mssecure.ParseFile(path, mssecure.Limits{})
	}
	if err != nil {
		return nil, err
	}
	return convertOnTheFly(doc, stderr, verbose)
}

// fileIsMssecure says whether the file holds mssecure.xml; a file that
// cannot be read is left to the native loader to report.
func fileIsMssecure(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	return mssecure.Is(bufio.NewReaderSize(f, mssecure.SniffBytes))
}

// convertedName names the converted document when it is loaded, so that
// the positions of the loader's warnings in it can be taken off.
const convertedName = "converted"

var convertedPos = regexp.MustCompile(`^` + convertedName + `(:\d+){0,2}: `)

func convertOnTheFly(doc *mssecure.Document, stderr io.Writer, verbose bool) (*catalog.Catalog, error) {
	name := displayName(doc.Source)
	cat, rep, err := mssecure.Convert(doc)
	if err != nil {
		return nil, fmt.Errorf("converting %s (Microsoft's mssecure.xml): %w", name, err)
	}
	data, err := writeChecked(cat)
	if err != nil {
		return nil, err
	}
	loaded, err := catalog.Load(bytes.NewReader(data), convertedName)
	if err != nil {
		return nil, err
	}
	loaded.Source = doc.Source
	// The loader's warnings (supersedence by bulletins the file does not
	// carry) are positioned in the converted document, which nobody sees.
	for i, w := range loaded.Warnings {
		loaded.Warnings[i] = name + " (converted): " + convertedPos.ReplaceAllString(w, "")
	}
	if verbose {
		for _, w := range rep.Warnings {
			fmt.Fprintln(stderr, "warning:", textsafe.Line(w, maxCatalogText))
		}
	}
	listed := fmt.Sprintf("patchscan catalog import mssecure %s lists them", textsafe.Line(name, maxStderrLine))
	if verbose {
		listed = "above"
	}
	fmt.Fprintf(stderr, "patchscan: %s is Microsoft's mssecure.xml (HFNetChk %s), converted on the fly: %s; %d warnings (%s)\n",
		textsafe.Line(name, maxStderrLine), textsafe.Line(orDash(doc.ToolVersion), 32), textsafe.Line(rep.String(), maxCatalogText), len(rep.Warnings), listed)
	return loaded, nil
}

// Package mssecure reads Microsoft's own security catalog, mssecure.xml (the
// reference HFNetChk and MBSA 1.x downloaded as mssecure.cab), and converts
// it into patchscan's native catalog model.
//
// mssecure.xml is normalised into tables joined by IDs: Locations (registry
// key and folder paths, download URLs), RegKeys with their RegChanges,
// Files with their FileChanges, Commands, Products, ProductFamilies,
// ServicePacks, Comments, Severities (MSSeverities and WellKnownURLs from
// MBSA 1.2 on), SupercededBys, and the Bulletins whose Patches refer to
// all of them. Parse reads the document in one streaming pass with the
// native loader's defences (catalog.Stream: size, tag and nesting limits,
// gzip, UTF-8) plus a budget on what it keeps, into a Document of those
// tables with the line and column of every row. Convert joins them into a
// *catalog.Catalog: product detection rules for every product (kinds.go),
// service packs as levels, registry and file checks from the RegChanges
// and FileChanges a patch names, supersedence, and a Patch Note wherever
// the source cannot be expressed as a check, never a silent drop.
//
// HFNetChk decided by itself, in code, which products a host runs; the file
// holds only their names. kinds.go is patchscan's table of detection rules
// by product name, and docs/catalog-format.md ("Importing mssecure.xml")
// explains every mapping, table by table.
package mssecure

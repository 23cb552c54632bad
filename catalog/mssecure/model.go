package mssecure

import "github.com/patchscan/patchscan/catalog"

// The tables of mssecure.xml as Parse reads them: values trimmed of
// surrounding white space but otherwise as written (dates, versions and
// paths are interpreted by Convert), IDs parsed, every row with its
// position. An ID attribute that is absent or empty is NoID.

// NoID stands for an ID attribute that is absent or empty.
const NoID = -1

// Pos is where a row starts in the source: 1-based line and column.
type Pos struct{ Line, Col int }

// Document is one mssecure.xml.
type Document struct {
	Source string // file name, for messages

	// The root's attributes: DataVersion="1.0.1.148",
	// LastDataUpdate="10/04/2001", SchemaVersion="1.0.0.11",
	// ToolVersion="3.1", ...
	DataVersion, LastDataUpdate, SchemaVersion, LastSchemaUpdate, ToolVersion, RevisionHistory string

	Bulletins     []Bulletin
	Products      []Product
	Families      []Family
	ServicePacks  []ServicePack
	RegChanges    []RegChange  // from RegKeys/RegKey/RegChanges
	FileChanges   []FileChange // from Files/File/FileChanges
	Commands      []Command
	Locations     []Location
	Comments      []Comment
	Severities    []Severity // the HFNetChk 3.x table (all "NA" in real files)
	MSSeverities  []Severity // MBSA 1.2: 1 Critical, 2 Important, ...
	SupercededBys []SupercededBy
	WellKnownURLs []WellKnownURL

	// findings holds the warnings of parsing, and takes Convert's.
	findings *catalog.Findings
}

// Bulletin is a security bulletin.
type Bulletin struct {
	ID                      string // BulletinID, e.g. "MS01-005"
	Title, Summary, Issue   string
	DatePosted, DateRevised string // "1998/06/01" or "6/1/1998" as written
	Supported               string // "Yes" / "No"
	LocationID              int    // BulletinLocationID: the bulletins' folder URL
	FAQLocationID           int
	FAQPageName             string
	QNumbers                []string // as written, spaces trimmed, duplicates kept
	Comments                []int
	Patches                 []Patch
	Pos
}

// Patch is one installable fix of a bulletin.
type Patch struct {
	Name         string // PatchName, e.g. "Q281767_W2K_SP2_x86_en.EXE"
	LocationID   int    // PatchLocationID: where to download it
	SBID         int    // the SupercededBy row naming what replaces it
	SQNumber     string // often empty in real files
	NoReboot     string
	MSSeverityID int    // MBSA 1.2
	CVEID        string // MBSA 1.2, e.g. "CAN-2002-0001"
	Comments     []int
	Affected     []Affected
	RegChgs      []Ref // RegChangeIDs
	FileChgs     []Ref // FileChangeIDs
	Pos
}

// Affected is an AffectedProduct: the patch applies to ProductID at the
// AffectedServicePacks (none listed: any), unless the host is at FixedInSP
// (a ServicePackID; 0 in real files means none includes the fix).
type Affected struct {
	ProductID    int
	FixedInSP    int
	ServicePacks []int
	Pos
}

// Ref is a reference to a row of another table, where it is made.
type Ref struct {
	ID int
	Pos
}

// Product is a product HFNetChk could find on a host.
type Product struct {
	ID                   int
	Name                 string
	MinimumSupportedSP   int
	CurrentServicePackID int
	CurrentVersion       string
	Families             []int // ProductFamilyIDs
	AvailableSPs         []int // ServicePackIDs, oldest first in real files
	Pos
}

// Family is a ProductFamily.
type Family struct {
	ID   int
	Name string
	Pos
}

// ServicePack is a service pack of some product (mssecure numbers them
// across products: 1 is Windows 2000 SP1, 4 Windows NT 4.0 SP4, 75 IE 5.01
// SP2).
type ServicePack struct {
	ID          int
	Name        string
	ReleaseDate string
	Pos
}

// RegChange is a registry value a patch sets: the value Name of its
// RegKey, under the key at LocationID, with Value as data, checked per
// Command.
type RegChange struct {
	ID         int
	Name       string // the RegKey's Name: the value's name
	Type       string // the RegKey's Type: an INF AddReg flag, 0 = REG_SZ, 0x10001 = REG_DWORD
	Value      string // RegChangeValue, as written (not trimmed)
	Command    string // CommandID
	LocationID int
	Pos
}

// FileChange is a file a patch installs: Name in the folder at LocationID,
// at Version, checked per Command.
type FileChange struct {
	ID         int
	Name       string // the File's Name
	LocationID int    // the File's LocationID
	Date       string
	Version    string // "4.0.1381.7022", "na" or ""
	Size       string
	Command    string
	Checksum   string // HFNetChk's own checksum, kept as data, not verified
	Pos
}

// Command is a row of the Commands table: r, c, a, e, d, u.
type Command struct {
	ID   string
	Name string
	Pos
}

// Location is a path: a registry key, a folder (with %variables%) or a URL.
type Location struct {
	ID       int
	Path     string
	Absolute string // AbsolutePath, "True"/"False"/""
	Pos
}

// Comment is a remark a bulletin or patch refers to.
type Comment struct {
	ID   int
	Text string
	Pos
}

// Severity is a row of Severities (SeverityID, Description) or of MBSA
// 1.2's MSSeverities (MSSeverityID, Name).
type Severity struct {
	ID   int
	Name string
	Pos
}

// SupercededBy names the patches that replace the patches referring to it
// by SBID: mssecure keeps supersedence on the replacing side.
type SupercededBy struct {
	ID          int // SBID
	Description string
	Bulletins   []SupercededBulletin
	Pos
}

// SupercededBulletin is a replacing bulletin and its replacing patches, by
// PatchName.
type SupercededBulletin struct {
	BulletinID string
	Patches    []string
	Pos
}

// WellKnownURL is a row of MBSA 1.2's WellKnownURLs, kept as written.
type WellKnownURL struct {
	Attrs map[string]string
	Pos
}

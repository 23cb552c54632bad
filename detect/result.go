package detect

// Status is a verdict for one (bulletin, patch) on one host, with MBSA's
// semantics (docs/mbsa-semantics.md: meanings, wording, compliance).
type Status string

const (
	StatusInstalled     Status = "installed"
	StatusMissing       Status = "missing"        // "Patch NOT Installed"
	StatusWarning       Status = "warning"        // file newer than expected: cannot be confirmed
	StatusNote          Status = "note"           // no detection criteria, or patches disagree
	StatusNotApplicable Status = "not-applicable" // product absent, SP fixed it, SP not affected
	StatusSuperseded    Status = "superseded"     // missing, but a superseding patch is installed
	StatusError         Status = "error"          // a fact could not be read
)

// Statuses lists every Status, in report order.
var Statuses = []Status{StatusMissing, StatusWarning, StatusNote, StatusError, StatusSuperseded, StatusInstalled, StatusNotApplicable}

// Compliant reports whether a status counts as compliant for exit codes and
// rollups (superseded counts as compliant, as MBSA users asked).
func (s Status) Compliant() bool {
	return s == StatusInstalled || s == StatusSuperseded || s == StatusNotApplicable
}

// OS is what the engine learned about the host's operating system. Every
// field is optional: a missing registry value leaves it empty.
type OS struct {
	Product string // ProductName, as the host writes it
	// Name is the operating system's name for people: ProductName, except
	// that Windows 11, which still writes "Windows 10 ..." there, is named
	// "Windows 11 ..." (client builds 22000 and later). Detection never
	// uses either: catalogs tell products apart by build.
	Name           string
	Version        string // CurrentVersion, e.g. "6.1"
	Build          string // CurrentBuildNumber
	UBR            string // update build revision, decimal
	DisplayVersion string // DisplayVersion ("24H2"), else ReleaseId ("1809")
	CSDVersion     string // "Service Pack 1"
	ServicePack    int    // level parsed from CSDVersion; 0 when absent
	EditionID      string
	// InstallationType is "Client", "Server" or "Server Core" (Windows 8 /
	// Server 2012 and later).
	InstallationType string
	ProductType      string // WinNT, ServerNT, LanmanNT
	// Architecture is PROCESSOR_ARCHITECTURE from the system environment:
	// AMD64, x86, ARM64 (IA64 on old servers).
	Architecture string
	Language     string // install language as a decimal LCID, e.g. "1033"
	// ComputerName is the name the host gives itself (its registry's
	// Control\ComputerName), whatever name or address it was scanned by:
	// the rollup knows one host by it across runs.
	ComputerName string
	SystemRoot   string // C:\Windows
	ProgramFiles string
}

// ProductRef names a catalog product detected on the host.
type ProductRef struct {
	ID   int
	Name string
}

// Report is the engine's verdict for one host.
type Report struct {
	OS       OS
	Products []ProductRef
	Results  []Result
	// Vulnerabilities are the CVEs still open on the host, sorted by CVE
	// ID (see cves.go for when a CVE is open).
	Vulnerabilities []Vulnerability
	// Facts is how many distinct facts were requested and Batches in how
	// many Host.Facts calls, for efficiency figures.
	Facts   int
	Batches int
}

// ResultKind separates patch results from missing-service-pack results.
type ResultKind string

const (
	KindPatch       ResultKind = "patch"
	KindServicePack ResultKind = "service-pack"
)

// Result is one verdict.
type Result struct {
	Kind       ResultKind
	BulletinID string // "" for service packs
	KB         string // SQNumber; for service packs the service pack name
	PatchName  string
	Title      string
	Severity   string // Critical, Important, Moderate, Low, or ""
	ProductID  int
	Status     Status
	Reasons    []string // human-readable, MBSA wording
	Checks     []Check
	// SupersededBy names the installed patch that made this one
	// superseded ("MS17-012 KB...").
	SupersededBy string
	// Via names the installed alternative (a KB of the same bulletin that
	// fixes the same CVEs, e.g. a hotpatch) through which this patch,
	// itself not installed, counts as installed.
	Via string
	// CVEs are the patch's CVEID list, as the catalog gives it.
	CVEs []string
	// SubType is the source's kind of update ("Security Update",
	// "Security Hotpatch Update", "Monthly Rollup"...), "" when not given.
	SubType string
	// Released is when the update was released, as the catalog writes it
	// (YYYY-MM-DD): the patch's ReleaseDate, else its bulletin's
	// DatePosted; for a missing service pack, the service pack's
	// ReleaseDate. "" when the catalog gives none. Reports derive the due
	// date from it (report/deadline).
	Released string
}

// Vulnerability is one CVE still open on a host: a missing patch that
// applies to the host lists it, and no applicable patch listing it is
// installed (directly, through an alternative, or superseded).
type Vulnerability struct {
	CVE      string
	Severity string // the catalog's severity for the CVE, else the most severe applicable patch's
	// Exploited: the catalog says the CVE was exploited in the wild.
	Exploited bool
	// FixedBy are the KBs that apply to the host, list the CVE and are not
	// installed: installing any of them closes it. Catalog order, no
	// duplicates.
	FixedBy []string
}

// CheckKind says what a Check inspected.
type CheckKind string

const (
	CheckRegistry CheckKind = "registry"
	CheckFile     CheckKind = "file"
	// CheckBuild is a FixedBuild check: the host's CurrentBuildNumber.UBR
	// against the build and UBR that contain the fix.
	CheckBuild CheckKind = "build"
)

// CheckResult is the outcome of one check.
type CheckResult string

const (
	CheckPass       CheckResult = "pass"
	CheckFail       CheckResult = "fail"
	CheckNewer      CheckResult = "newer"
	CheckUnreadable CheckResult = "unreadable"
)

// Check is the evidence behind a verdict: what was looked at, expected, found.
type Check struct {
	Kind     CheckKind
	Path     string // registry key\value or resolved file path
	Expected string
	Found    string
	Result   CheckResult
}

package detect

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/patchscan/patchscan/internal/winkeys"
)

// Identity facts (keys in package winkeys): always asked in phase (a), in
// this order, so their fact ids are their indexes here.
const (
	idCurrentVersion = iota
	idCurrentBuildNumber
	idCurrentBuild
	idProductName
	idCSDVersion
	idEditionID
	idUBR
	idSystemRoot
	idProgramFilesDir
	idProgramFilesDirX86
	idCommonFilesDir
	idCommonFilesDirX86
	idProductType
	idInstallLanguage
	idDisplayVersion
	idReleaseID
	idInstallationType
	idArchitecture
	idComputerName
	numIdentity
)

var identityFacts = [numIdentity]struct{ key, name string }{
	idCurrentVersion:     {winkeys.NTCurrentVersion, "CurrentVersion"},
	idCurrentBuildNumber: {winkeys.NTCurrentVersion, "CurrentBuildNumber"},
	idCurrentBuild:       {winkeys.NTCurrentVersion, "CurrentBuild"},
	idProductName:        {winkeys.NTCurrentVersion, "ProductName"},
	idCSDVersion:         {winkeys.NTCurrentVersion, "CSDVersion"},
	idEditionID:          {winkeys.NTCurrentVersion, "EditionID"},
	idUBR:                {winkeys.NTCurrentVersion, "UBR"},
	idSystemRoot:         {winkeys.NTCurrentVersion, "SystemRoot"},
	idProgramFilesDir:    {winkeys.CurrentVersion, "ProgramFilesDir"},
	idProgramFilesDirX86: {winkeys.CurrentVersion, "ProgramFilesDir (x86)"},
	idCommonFilesDir:     {winkeys.CurrentVersion, "CommonFilesDir"},
	idCommonFilesDirX86:  {winkeys.CurrentVersion, "CommonFilesDir (x86)"},
	idProductType:        {winkeys.ProductOptions, "ProductType"},
	idInstallLanguage:    {winkeys.NlsLanguage, "InstallLanguage"},
	idDisplayVersion:     {winkeys.NTCurrentVersion, "DisplayVersion"},
	idReleaseID:          {winkeys.NTCurrentVersion, "ReleaseId"},
	idInstallationType:   {winkeys.NTCurrentVersion, "InstallationType"},
	idArchitecture:       {winkeys.Environment, "PROCESSOR_ARCHITECTURE"},
	idComputerName:       {winkeys.ComputerName, "ComputerName"},
}

// identityString returns an identity value as text: found only when the
// value exists and holds a string or number.
func (s *scanner) identityString(id int) (string, bool, error) {
	a := s.regAnswer(int32(id))
	if a.Err != nil {
		return "", false, a.Err
	}
	if !a.Found {
		return "", false, nil
	}
	return a.Value.Text(), true, nil
}

// identity fills the OS description and the host's path variables. Any
// value may be missing (Samba serves little more than CurrentVersion and
// SystemRoot): that only leaves fields empty.
func (s *scanner) identity(os *OS) {
	s.osVersion(os)
	s.readOSBuild()
	s.servicePack(os)
	if v, ok, _ := s.identityString(idInstallLanguage); ok {
		if n, err := strconv.ParseUint(strings.TrimSpace(v), 16, 32); err == nil && n != 0 {
			s.lang = uint32(n)
			os.Language = strconv.FormatUint(n, 10)
		}
	}
	s.pathVariables()
	os.SystemRoot = s.vars.val[varSystemRoot]
	os.ProgramFiles = s.vars.val[varProgramFiles]
}

// osVersion fills the product, version and build fields.
func (s *scanner) osVersion(os *OS) {
	str := func(id int) string {
		v, _, _ := s.identityString(id)
		return clean(strings.TrimSpace(v))
	}
	os.Version = str(idCurrentVersion)
	os.Build = str(idCurrentBuildNumber)
	if os.Build == "" {
		os.Build = str(idCurrentBuild)
	}
	os.Product = str(idProductName)
	os.EditionID = str(idEditionID)
	os.ProductType = str(idProductType)
	os.DisplayVersion = str(idDisplayVersion)
	if os.DisplayVersion == "" {
		os.DisplayVersion = str(idReleaseID)
	}
	os.InstallationType = str(idInstallationType)
	os.Architecture = str(idArchitecture)
	os.ComputerName = str(idComputerName)
	if a := s.regAnswer(idUBR); a.Err == nil && a.Found {
		if n, ok := a.Value.Uint(); ok {
			os.UBR = strconv.FormatUint(n, 10)
		}
	}
	os.Name = osName(os.Product, os.Build, os.ProductType)
}

// firstWindows11Build is the first build of Windows 11 (21H2). Server
// builds past it (Server 2022 is 20348, Server 2025 26100) name themselves
// correctly; only client ProductNames lag.
const firstWindows11Build = 22000

// osName is the name to show for the OS. Windows 11 keeps "Windows 10" in
// ProductName (Microsoft never changed the value, for compatibility), so a
// client whose build is Windows 11's gets the name it has on its own
// About page: "Windows 10 Pro" at build 26100 is "Windows 11 Pro".
func osName(product, build, productType string) string {
	const win10 = "Windows 10"
	if !strings.HasPrefix(product, win10) || strings.EqualFold(productType, "ServerNT") || strings.EqualFold(productType, "LanmanNT") {
		return product
	}
	n, err := strconv.ParseUint(build, 10, 32)
	if err != nil || n < firstWindows11Build {
		return product
	}
	return "Windows 11" + product[len(win10):]
}

// servicePack reads the host's service pack level from CSDVersion, or
// records why it is unknown.
func (s *scanner) servicePack(os *OS) {
	csd, _, err := s.identityString(idCSDVersion)
	s.spKnown = err == nil
	if err != nil {
		s.spErr = fmt.Sprintf("cannot tell the service pack level: CSDVersion (%s) could not be read: %s", winkeys.NTCurrentVersion, clean(err.Error()))
	}
	os.CSDVersion = clean(strings.TrimSpace(csd))
	s.hostSP = spLevel(csd)
	os.ServicePack = s.hostSP
}

// pathVariables resolves %SystemRoot%, %SystemDrive% and the program
// directories from the host's registry.
func (s *scanner) pathVariables() {
	root, found, err := s.identityString(idSystemRoot)
	s.vars.setDir(varSystemRoot, root, found, err)
	if s.vars.err[varSystemRoot] == "" {
		s.vars.val[varSystemDrive] = s.vars.val[varSystemRoot][:2]
	} else {
		s.vars.setDir(varSystemDrive, root, found, err)
	}
	for _, d := range [...]struct {
		id int
		v  pathVar
	}{
		{idProgramFilesDir, varProgramFiles},
		{idProgramFilesDirX86, varProgramFilesX86},
		{idCommonFilesDir, varCommonFiles},
		{idCommonFilesDirX86, varCommonFilesX86},
	} {
		val, found, err := s.identityString(d.id)
		s.vars.setDir(d.v, expandInValue(val, &s.vars), found, err)
	}
}

// spLevel parses CSDVersion: "Service Pack 3" (also "Service Pack 1, v.7601")
// gives 3; absent or anything else gives 0.
func spLevel(csd string) int {
	const p = "service pack"
	low := strings.ToLower(strings.TrimSpace(csd))
	i := strings.Index(low, p)
	if i < 0 {
		return 0
	}
	rest := strings.TrimSpace(low[i+len(p):])
	n := 0
	for j := 0; j < len(rest) && j < 3 && rest[j] >= '0' && rest[j] <= '9'; j++ {
		n = n*10 + int(rest[j]-'0')
	}
	return n
}

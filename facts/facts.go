// Package facts holds what a scan learns from a host: the fact requests the
// engine sends, the answers transports give (registry values, file
// versions), and the fact errors. It imports nothing of patchscan's, so every
// transport (SMB, WinRM, an offline image) can implement Host without
// depending on the catalog or the engine.
package facts

import (
	"context"
	"errors"
)

// Host is the engine's only view of a machine: it answers batches of fact
// requests. Transports (SMB, WinRM) and the in-memory test host implement it.
//
// Facts must return exactly one Answer per Request, in order. A fact that
// could not be read is reported in its Answer's Err; the method's own error
// is for the host as a whole (connection lost, context cancelled), after
// which the engine stops.
//
// The engine never asks for the same fact twice on one host and sends each
// phase's requests in one call, so a transport can overlap or pipeline them.
type Host interface {
	Facts(ctx context.Context, reqs []Request) ([]Answer, error)
}

// FactKind says what a Request asks for.
type FactKind uint8

const (
	FactRegValue FactKind = iota + 1 // Key + Name: a registry value
	FactRegKey                       // Key: does the key exist
	FactFile                         // Path: a file's size and PE version (and SHA256 if asked)

	// Facts of the configuration checks (config.go). A source that cannot
	// know one of them at all answers Err wrapping ErrUnavailable.
	FactUsers          // the local accounts with their flags: Answer.Users
	FactAdministrators // the members of BUILTIN\Administrators: Answer.Members
	FactShares         // the shares and who may reach them: Answer.Shares
	FactAuditPolicy    // the audit policy per category: Answer.Audit
	FactVolumes        // the fixed volumes and their file systems: Answer.Volumes
	FactService        // Name: one service's start type and state: Answer.Service
)

func (k FactKind) String() string {
	switch k {
	case FactRegValue:
		return "registry value"
	case FactRegKey:
		return "registry key"
	case FactFile:
		return "file"
	case FactUsers:
		return "local users"
	case FactAdministrators:
		return "Administrators members"
	case FactShares:
		return "shares"
	case FactAuditPolicy:
		return "audit policy"
	case FactVolumes:
		return "volumes"
	case FactService:
		return "service"
	}
	return "unknown fact"
}

// Request is one fact to read. Registry keys are full paths with a hive
// prefix ("HKLM\SOFTWARE\Microsoft\..."); file paths are resolved Windows
// paths ("C:\Windows\System32\drivers\srv.sys").
type Request struct {
	Kind   FactKind
	Key    string // FactRegValue, FactRegKey
	Name   string // FactRegValue ("" is the key's default value); FactService: the service's key name
	Path   string // FactFile
	SHA256 bool   // FactFile: also hash the whole file
}

// Answer is the reply to one Request.
type Answer struct {
	// Found reports that the key, value or file exists. Not found is a
	// normal answer, not an error.
	Found bool
	Value RegValue // FactRegValue, when Found
	File  FileInfo // FactFile, when Found
	// The configuration facts (config.go), when Found.
	Users   []Account   // FactUsers
	Members []Principal // FactAdministrators
	Shares  []Share     // FactShares
	Audit   AuditPolicy // FactAuditPolicy
	Volumes []Volume    // FactVolumes
	Service Service     // FactService (Found: the host has the service)
	// Err is set when the fact could not be read (access denied, timeout,
	// a broken reply). The engine reports such checks as "error", never as
	// missing. Wrap ErrAccessDenied where it applies.
	Err error
}

// ErrAccessDenied marks a fact the host refused to disclose.
var ErrAccessDenied = errors.New("access denied")

// Registry value types, as numbered by Windows (winnt.h REG_*).
type ValueType uint32

const (
	RegNone     ValueType = 0
	RegSZ       ValueType = 1
	RegExpandSZ ValueType = 2
	RegBinary   ValueType = 3
	RegDWORD    ValueType = 4
	RegMultiSZ  ValueType = 7
	RegQWORD    ValueType = 11
)

// RegValue is a registry value as the host stores it: its type and raw data
// (strings are UTF-16LE, numbers little-endian), so no transport has to
// interpret it and hostile data reaches one decoder.
type RegValue struct {
	Type ValueType
	Data []byte
}

// FileInfo describes a file read from a host.
type FileInfo struct {
	Size int64
	// Version is VS_FIXEDFILEINFO's FILEVERSION ("6.1.7601.23689"); "" when
	// the file has no version resource.
	Version string
	// StringVersion is StringFileInfo's FileVersion as written by the
	// vendor ("6.1.7601.23689 (win7sp1_ldr.170209-0600)"), for reports.
	StringVersion string
	// SHA256 is the lower-case hex digest, only when it was requested.
	SHA256 string
}

package catalog

// NormalizeKey validates a registry key as the loader does for RegValue,
// RegKey and RegCheck, and returns it as the loader stores it (HKLM\...).
// Importers use it to keep out of their output what the loader refuses.
func NormalizeKey(s string) (string, error) { return normKey(s) }

// NormalizePath validates a file path as the loader does for File and
// FileCheck, and returns it as the loader stores it (a variable in its
// canonical spelling, backslashes, an upper-case drive).
func NormalizePath(s string) (string, error) { return normPath(s) }

// MaxServicePackLevel is the highest service pack Level, FixedInSP and
// host level the format knows.
const MaxServicePackLevel = maxLevel

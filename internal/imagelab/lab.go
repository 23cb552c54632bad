package imagelab

import "github.com/patchscan/patchscan/internal/lab"

// FromLab is the image of a Samba lab host (internal/lab): its .reg files,
// then SambaView when sambaView is set (so the image answers exactly what
// the lab host serves), and its files on the system drive. File modes are
// not carried: an image is read as the user running patchscan, not as a
// remote account.
func FromLab(spec lab.HostSpec, sambaView bool) Spec {
	s := Spec{RegFiles: append([]string(nil), spec.Reg...)}
	if sambaView {
		s.Reg = []string{SambaView}
	}
	for _, f := range spec.Files {
		s.Files = append(s.Files, File{Path: f.Path, Src: f.Src, Append: f.Append})
	}
	return s
}

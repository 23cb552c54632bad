// patchscan addition (the one file that differs from upstream; see
// README.patchscan.md): FileFsAttributeInformation, which upstream does
// not expose, for the file system of a volume.

package smb2

import (
	"encoding/binary"
	"os"

	"github.com/cloudsoda/go-smb2/internal/smb2"
	"github.com/cloudsoda/go-smb2/internal/utf16le"
)

// FsAttributes is a volume's FileFsAttributeInformation ([MS-FSCC]
// 2.5.1).
type FsAttributes struct {
	// Attributes are the FILE_* flags of the file system, e.g.
	// FILE_PERSISTENT_ACLS (0x8): it keeps permissions.
	Attributes             uint32
	MaxComponentNameLength uint32
	// FileSystemName is "NTFS", "ReFS", "FAT32", "exFAT"...
	FileSystemName string
}

// fsAttributesBuffer is the reply buffer asked for: the fixed part and a
// name of up to 64 UTF-16 units, far more than any file system name.
const fsAttributesBuffer = 12 + 128

// FsAttributes queries FileFsAttributeInformation of the volume holding
// name ("" is the share's root). The handle is opened for
// FILE_READ_ATTRIBUTES only.
func (fs *Share) FsAttributes(name string) (*FsAttributes, error) {
	name = normPath(name)
	if err := validatePath("fsattributes", name, false); err != nil {
		return nil, err
	}
	create := &smb2.CreateRequest{
		RequestedOplockLevel: smb2.SMB2_OPLOCK_LEVEL_NONE,
		ImpersonationLevel:   smb2.Impersonation,
		DesiredAccess:        smb2.FILE_READ_ATTRIBUTES,
		FileAttributes:       smb2.FILE_ATTRIBUTE_NORMAL,
		ShareAccess:          smb2.FILE_SHARE_READ | smb2.FILE_SHARE_WRITE | smb2.FILE_SHARE_DELETE,
		CreateDisposition:    smb2.FILE_OPEN,
		CreateOptions:        smb2.FILE_DIRECTORY_FILE,
		Mapping:              fs.mapping,
	}
	f, err := fs.createFile(name, create, true)
	if err != nil {
		return nil, &os.PathError{Op: "fsattributes", Path: name, Err: err}
	}
	out, err := f.queryInfo(&smb2.QueryInfoRequest{
		InfoType:           smb2.SMB2_0_INFO_FILESYSTEM,
		FileInfoClass:      smb2.FileFsAttributeInformation,
		OutputBufferLength: fsAttributesBuffer,
	})
	if e := f.close(); err == nil {
		err = e
	}
	if err != nil {
		return nil, &os.PathError{Op: "fsattributes", Path: name, Err: err}
	}
	return decodeFsAttributes(out)
}

// decodeFsAttributes reads the reply, whatever the server sent: a name
// length past the buffer is an error, not a read past its end.
func decodeFsAttributes(b []byte) (*FsAttributes, error) {
	if len(b) < 12 {
		return nil, &InvalidResponseError{"FileFsAttributeInformation shorter than 12 bytes"}
	}
	n := binary.LittleEndian.Uint32(b[8:12])
	if n%2 != 0 || uint64(n) > uint64(len(b)-12) {
		return nil, &InvalidResponseError{"FileFsAttributeInformation name length past the reply"}
	}
	return &FsAttributes{
		Attributes:             binary.LittleEndian.Uint32(b[0:4]),
		MaxComponentNameLength: binary.LittleEndian.Uint32(b[4:8]),
		FileSystemName:         utf16le.Decode(b[12:12+n], utf16le.MapCharsNone),
	}, nil
}

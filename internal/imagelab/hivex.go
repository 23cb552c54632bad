package imagelab

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Tools from Debian's libhivex-bin and libwin-hivex-perl, nobody here
// wrote them; variables so another layout can point elsewhere.
var (
	HivexRegedit = "hivexregedit"
	HivexGet     = "hivexget"
)

// ErrNoHivex is returned when hivex's tools are not installed.
var ErrNoHivex = errors.New("hivex tools not installed (Debian: apt-get install libhivex-bin libwin-hivex-perl; scripts/install-deps does it)")

// Available reports whether hivex's tools can be run.
func Available() error {
	for _, t := range []string{HivexRegedit, HivexGet} {
		if _, err := exec.LookPath(t); err != nil {
			return ErrNoHivex
		}
	}
	return nil
}

// merge writes .reg text into the hive file with hivexregedit --merge;
// keys in the text are HKEY_LOCAL_MACHINE\<hive>\...
func merge(hivePath, hiveName, regText string) error {
	reg := hivePath + ".merge.reg"
	if err := os.WriteFile(reg, []byte(regText), 0o600); err != nil {
		return err
	}
	defer os.Remove(reg)
	_, err := run(HivexRegedit, "--merge", "--prefix", `HKEY_LOCAL_MACHINE\`+hiveName, hivePath, reg)
	return err
}

func run(name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// hivexregedit reads and writes files as bytes; with PERL_UNICODE=SDA
	// its files, standard streams and arguments are UTF-8, so names and
	// strings beyond ASCII arrive in the hive (and come out) as written.
	cmd.Env = append(os.Environ(), "PERL_UNICODE=SDA")
	if err := cmd.Run(); err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return nil, ErrNoHivex
		}
		return nil, fmt.Errorf("%s %s: %v: %s", filepath.Base(name), strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

// RegValue is a value as hivex exports it: its REG_* type and raw bytes.
type RegValue struct {
	Type uint32
	Data []byte
}

// Export reads every value under key (a path inside the hive, `\` for its
// root) with hivexregedit --export: the result maps each key path (as
// hivex prints it, without the leading `\`) to its values by name ("" is
// the default value). It is the independent oracle the hive reader's
// differential tests compare against.
func Export(hivePath, key string) (map[string]map[string]RegValue, error) {
	out, err := run(HivexRegedit, "--export", hivePath, key)
	if err != nil {
		return nil, err
	}
	return parseExport(out)
}

func parseExport(out []byte) (map[string]map[string]RegValue, error) {
	res := map[string]map[string]RegValue{}
	var cur map[string]RegValue
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 64<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case line == "" || strings.HasPrefix(line, "Windows Registry Editor"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			cur = map[string]RegValue{}
			res[strings.TrimPrefix(line[1:len(line)-1], `\`)] = cur
		case cur == nil:
			return nil, fmt.Errorf("hivex export line %d: a value outside a key", n)
		default:
			name, v, err := parseExportValue(line)
			if err != nil {
				return nil, fmt.Errorf("hivex export line %d: %w", n, err)
			}
			cur[name] = v
		}
	}
	return res, sc.Err()
}

// parseExportValue parses `"name"=hex(N):aa,bb` or `@=hex(N):...`.
func parseExportValue(line string) (string, RegValue, error) {
	var name, rest string
	if strings.HasPrefix(line, "@=") {
		rest = line[2:]
	} else {
		if !strings.HasPrefix(line, `"`) {
			return "", RegValue{}, fmt.Errorf("unexpected line %q", line)
		}
		var b strings.Builder
		i := 1
		for ; i < len(line) && line[i] != '"'; i++ {
			if line[i] == '\\' && i+1 < len(line) {
				i++
			}
			b.WriteByte(line[i])
		}
		if i+1 >= len(line) || line[i+1] != '=' {
			return "", RegValue{}, fmt.Errorf("unexpected line %q", line)
		}
		name, rest = b.String(), line[i+2:]
	}
	if d, ok := strings.CutPrefix(rest, "dword:"); ok {
		n, err := strconv.ParseUint(d, 16, 32)
		if err != nil {
			return "", RegValue{}, fmt.Errorf("value %q: %q", name, rest)
		}
		return name, RegValue{Type: 4, Data: binary.LittleEndian.AppendUint32(nil, uint32(n))}, nil
	}
	if !strings.HasPrefix(rest, "hex(") {
		return "", RegValue{}, fmt.Errorf("value %q not in hex(N) form: %q", name, rest)
	}
	typ, data, ok := strings.Cut(rest[4:], "):")
	if !ok {
		return "", RegValue{}, fmt.Errorf("value %q: bad hex form", name)
	}
	t, err := strconv.ParseUint(typ, 16, 32)
	if err != nil {
		return "", RegValue{}, fmt.Errorf("value %q: type %q", name, typ)
	}
	raw, err := hex.DecodeString(strings.ReplaceAll(data, ",", ""))
	if err != nil {
		return "", RegValue{}, fmt.Errorf("value %q: %v", name, err)
	}
	return name, RegValue{Type: uint32(t), Data: raw}, nil
}

// Get returns what hivexget prints for one value (its text form:
// strings as they are, numbers in decimal).
func Get(hivePath, key, name string) (string, error) {
	out, err := run(HivexGet, hivePath, key, name)
	return strings.TrimSuffix(string(out), "\n"), err
}

// SetDirty rewrites a hive's header so that its sequence numbers differ
// (dirty: as a hive copied while Windows was writing it) or agree (clean),
// with a correct header checksum. It edits the file in an image being
// built, never a source.
func SetDirty(hivePath string, dirty bool) error {
	f, err := os.OpenFile(hivePath, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	head := make([]byte, 512)
	if _, err := f.ReadAt(head, 0); err != nil {
		return err
	}
	seq := binary.LittleEndian.Uint32(head[4:])
	second := seq
	if dirty {
		second = seq - 1
	}
	binary.LittleEndian.PutUint32(head[8:], second)
	var x uint32
	for i := 0; i < 0x1fc; i += 4 {
		x ^= binary.LittleEndian.Uint32(head[i:])
	}
	switch x {
	case 0:
		x = 1
	case 0xffffffff:
		x = 0xfffffffe
	}
	binary.LittleEndian.PutUint32(head[0x1fc:], x)
	if _, err := f.WriteAt(head, 0); err != nil {
		return err
	}
	return f.Close()
}

package rrp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"testing"

	"github.com/patchscan/patchscan/internal/lab"
	"github.com/patchscan/patchscan/internal/lab/labpipe"
	"github.com/patchscan/patchscan/internal/msrpc"
	"github.com/patchscan/patchscan/internal/msrpc/ifacetest"
)

// samr is the MS-SAMR interface: winreg's pipe does not serve it.
var samr = msrpc.SyntaxID{UUID: msrpc.MustParseUUID("12345778-1234-abcd-ef00-0123456789ac"), Major: 1}

// A scenario is one conversation with rpcd_winreg, from the bind on. Its
// run returns what the client made of the replies, one line per call;
// want is what the lab's registry (testdata/lab/*.reg) and Samba's rules
// say it must be.
type scenario struct {
	name, about string
	iface       msrpc.SyntaxID
	opts        msrpc.Options
	run         func(ctx context.Context, conn *msrpc.Conn, c *Client) []string
	want        []string
}

func result(v any, err error) string {
	if err != nil {
		var we Win32Error
		var fe *msrpc.FaultError
		switch {
		case errors.As(err, &we):
			return we.Error()
		case errors.As(err, &fe):
			return fe.Error()
		}
		return "error: " + err.Error()
	}
	return fmt.Sprint(v)
}

func hklm(ctx context.Context, c *Client, out *[]string) Handle {
	h, err := c.OpenLocalMachine(ctx)
	*out = append(*out, "HKLM "+result(!h.IsZero(), err))
	return h
}

func openKey(ctx context.Context, c *Client, out *[]string, path string) Handle {
	h, err := c.OpenKey(ctx, hklm(ctx, c, out), path)
	*out = append(*out, path+" "+result(!h.IsZero(), err))
	return h
}

func query(ctx context.Context, c *Client, out *[]string, h Handle, name string) {
	typ, data, err := c.QueryValue(ctx, h, name)
	d := fmt.Sprintf("%x", data)
	if len(data) > 16 {
		d = fmt.Sprintf("%x...(%d bytes)", data[:16], len(data))
	}
	*out = append(*out, fmt.Sprintf("%q ", name)+result(fmt.Sprintf("type %d %s", typ, d), err))
}

var scenarios = []scenario{
	{
		name: "bind", about: "bind to winreg (bind, bind_ack)",
		iface: Interface,
		run: func(ctx context.Context, conn *msrpc.Conn, c *Client) []string {
			x, r := conn.MaxFrag()
			return []string{fmt.Sprintf("frag %d/%d", x, r)}
		},
		want: []string{"frag 4280/4280"},
	},
	{
		name: "bind-rejected", about: "bind to MS-SAMR on the winreg pipe: the context is refused",
		iface: samr,
		want:  []string{"bind error: RPC server rejected interface 12345778-1234-abcd-ef00-0123456789ac v1.0 (result 2): abstract syntax (interface) not supported"},
	},
	{
		name: "open-key", about: "OpenLocalMachine, BaseRegOpenKey of a key and of an absent key",
		iface: Interface,
		run: func(ctx context.Context, _ *msrpc.Conn, c *Client) []string {
			var out []string
			openKey(ctx, c, &out, `SOFTWARE\PatchscanLab`)
			h, err := c.OpenKey(ctx, hklm(ctx, c, &out), `SOFTWARE\NoSuchKey`)
			out = append(out, `SOFTWARE\NoSuchKey `+result(!h.IsZero(), err))
			return out
		},
		want: []string{`HKLM true`, `SOFTWARE\PatchscanLab true`, `HKLM true`, `SOFTWARE\NoSuchKey ERROR_FILE_NOT_FOUND (2)`},
	},
	{
		name: "query-value", about: "BaseRegQueryValue of each type, the default value and an absent value",
		iface: Interface,
		run: func(ctx context.Context, _ *msrpc.Conn, c *Client) []string {
			var out []string
			h := openKey(ctx, c, &out, `SOFTWARE\PatchscanLab`)
			for _, n := range []string{"String", "Expand", "Dword", "Binary", "Multi", "", "Absent"} {
				query(ctx, c, &out, h, n)
			}
			return out
		},
		want: []string{`HKLM true`, `SOFTWARE\PatchscanLab true`,
			`"String" type 1 6c00610062002000760061006c007500...(20 bytes)`, // "lab value"
			`"Expand" type 2 2500530079007300740065006d005200...(26 bytes)`, // "%SystemRoot%"
			`"Dword" type 4 2a000000`,
			`"Binary" type 3 deadbeef`,
			`"Multi" type 7 610000006200630000000000`,
			`"" type 1 640065006600610075006c0074002000...(28 bytes)`, // "default value"
			`"Absent" ERROR_FILE_NOT_FOUND (2)`},
	},
	{
		name: "enum-key", about: "BaseRegEnumKey to ERROR_NO_MORE_ITEMS, BaseRegEnumValue, BaseRegGetVersion, BaseRegCloseKey",
		iface: Interface,
		run: func(ctx context.Context, _ *msrpc.Conn, c *Client) []string {
			var out []string
			h := openKey(ctx, c, &out, `SOFTWARE\PatchscanLab`)
			for i := uint32(0); i < 8; i++ {
				name, err := c.EnumKey(ctx, h, i)
				out = append(out, fmt.Sprintf("subkey %d ", i)+result(name, err))
				if err != nil {
					break
				}
			}
			v, err := c.EnumValue(ctx, h, 2)
			out = append(out, "value 2 "+result(fmt.Sprintf("%s type %d %x", v.Name, v.Type, v.Data), err))
			ver, err := c.GetVersion(ctx, h)
			out = append(out, "version "+result(ver, err))
			out = append(out, "close "+result("ok", c.CloseKey(ctx, h)))
			return out
		},
		want: []string{`HKLM true`, `SOFTWARE\PatchscanLab true`, "subkey 0 Sub1", "subkey 1 Sub2", "subkey 2 Big",
			"subkey 3 ERROR_NO_MORE_ITEMS (259)", "value 2 Dword type 4 2a000000", "version 5", "close ok"},
	},
	{
		name: "multi-fragment", about: "BaseRegQueryValue of a 9 KB value: ERROR_MORE_DATA, then a reply in five fragments",
		iface: Interface,
		run: func(ctx context.Context, _ *msrpc.Conn, c *Client) []string {
			var out []string
			h := openKey(ctx, c, &out, `SOFTWARE\PatchscanLab\Big`)
			query(ctx, c, &out, h, "Long")
			return out
		},
		want: []string{`HKLM true`, `SOFTWARE\PatchscanLab\Big true`, `"Long" type 1 41004200430044004500460047004800...(18002 bytes)`},
	},
	{
		name: "fault", about: "a call with an opnum winreg does not have: a fault PDU, and the association still works",
		iface: Interface,
		run: func(ctx context.Context, conn *msrpc.Conn, c *Client) []string {
			_, err := conn.Call(ctx, 200, nil, 0)
			out := []string{"opnum 200 " + result(nil, err)}
			hklm(ctx, c, &out)
			return out
		},
		want: []string{"opnum 200 RPC fault 0x1c010002: operation number out of range (nca_s_op_rng_error)", "HKLM true"},
	},
}

func (s scenario) play(ctx context.Context, pipe io.ReadWriter) []string {
	conn, err := msrpc.Bind(ctx, pipe, s.iface, s.opts)
	if err != nil {
		return []string{"bind " + result(nil, err)}
	}
	if s.run == nil {
		return []string{"bound"}
	}
	return s.run(ctx, conn, New(conn))
}

// conversation is the scenario's transcript, replayed and recorded.
func (s scenario) conversation() ifacetest.Conversation {
	return ifacetest.Conversation{Path: transcriptPath(s.name), About: s.name + ": " + s.about + ".", Server: "rpcd_winreg", Play: s.play, Want: s.want}
}

// transcriptPath is where the winreg transcripts live: the repository's
// testdata, which msrpc's tests read too.
func transcriptPath(name string) string {
	return filepath.Join("..", "..", "testdata", "samba", "winreg", name+".txt")
}

// TestSambaTranscripts replays replies that Samba's rpcd_winreg sent (see
// testdata/samba/README.md): the client must decode them to what the lab's
// registry holds, and write the very requests Samba answered.
func TestSambaTranscripts(t *testing.T) {
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) { s.conversation().Replay(t) })
	}
}

// TestCaptureSambaTranscripts re-records the transcripts from a lab host
// (go test ./internal/rrp -run TestCaptureSambaTranscripts -capture).
func TestCaptureSambaTranscripts(t *testing.T) {
	l, h := labpipe.Capture(t, lab.HostSpec{Name: "capture", Reg: []string{lab.BaseReg, lab.BigReg}})
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) { labpipe.Record(t, l, h, "winreg", s.conversation()) })
	}
}

package rrp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/internal/msrpc"
	"github.com/patchscan/patchscan/internal/msrpc/rpctest"
)

// floodPipe binds with Samba's own bind_ack, then answers every request
// with response fragments of 4,000 bytes that never end, counting the
// bytes the client reads.
type floodPipe struct {
	bindAck []byte
	pending []byte
	callID  uint32
	first   bool
	read    int
}

func (p *floodPipe) Write(b []byte) (int, error) {
	p.callID++
	p.first = true
	return len(b), nil
}

func (p *floodPipe) Read(b []byte) (int, error) {
	if len(p.pending) == 0 {
		switch {
		case p.bindAck != nil:
			p.pending, p.bindAck = p.bindAck, nil
		case p.read > 64<<20:
			return 0, io.EOF
		default:
			flags := uint8(0)
			if p.first {
				flags, p.first = msrpc.FlagFirstFrag, false
			}
			p.pending = msrpc.ResponsePDU(p.callID, flags, 0, make([]byte, 4000))
		}
	}
	n := copy(b, p.pending)
	p.pending = p.pending[n:]
	p.read += n
	return n, nil
}

// Issue 13.3: each MS-RRP call bounds its reply by what it asked for, so
// a server that floods a reply is cut off after a little more than that.
func TestFloodedReplyIsCutOff(t *testing.T) {
	tr, err := rpctest.Load(transcriptPath("bind"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		call  func(c *Client) error
		bound int
	}{
		{"QueryValue", func(c *Client) error { _, _, err := c.QueryValue(context.Background(), Handle{}, "v"); return err }, valueParamsReply + firstBuffer},
		{"OpenKey", func(c *Client) error { _, err := c.OpenKey(context.Background(), Handle{}, "k"); return err }, handleReply},
		{"EnumKey", func(c *Client) error { _, err := c.EnumKey(context.Background(), Handle{}, 0); return err }, (&enumKeyRequest{}).MaxReply()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := &floodPipe{bindAck: tr.Server()[0]}
			c, err := Bind(context.Background(), p, msrpc.Options{})
			if err != nil {
				t.Fatal(err)
			}
			bind := p.read
			err = tt.call(c)
			want := fmt.Sprintf("exceeds the %d bytes this call allows", tt.bound)
			if err == nil || !strings.Contains(err.Error(), want) || !errors.Is(err, msrpc.ErrBroken) {
				t.Fatalf("err %v, want %q", err, want)
			}
			if got := p.read - bind; got > tt.bound+4280 {
				t.Fatalf("read %d bytes of the reply, want at most the bound %d and one fragment", got, tt.bound)
			}
		})
	}
}

package scmr

import (
	"context"
	"errors"
	"testing"

	"github.com/patchscan/patchscan/internal/lab"
	"github.com/patchscan/patchscan/internal/lab/labpipe"
)

type impacketService struct {
	Name, Display, Path, Account string
	Type, State, Start           uint32
	ConfigError                  int `json:"config_error"`
}

// Against Samba's svcctl, the services, their states and start types are
// what impacket's own MS-SCMR client reads from the same host.
func TestSambaServices(t *testing.T) {
	l := lab.Start(t, lab.ConfigHost("scmr"))
	h := l.Hosts[0]
	ctx := context.Background()
	c := New(labpipe.Bind(t, l, h, "svcctl", Interface))
	var ref struct{ Services []impacketService }
	labpipe.Impacket(t, l, h, "scmr", &ref)

	services, err := c.Services(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(services) != len(ref.Services) || len(services) == 0 {
		t.Fatalf("%d services, impacket %d", len(services), len(ref.Services))
	}
	for i, s := range services {
		r := ref.Services[i]
		if s.Name != r.Name || s.DisplayName != r.Display || uint32(s.Type) != r.Type || uint32(s.State) != r.State {
			t.Errorf("ours %+v, impacket %+v", s, r)
		}
		cfg, err := c.Config(ctx, s.Name)
		if r.ConfigError != 0 {
			if err == nil {
				t.Errorf("%s: config read where impacket got error %d", s.Name, r.ConfigError)
			}
			continue
		}
		if err != nil || uint32(cfg.StartType) != r.Start || cfg.BinaryPath != r.Path || cfg.StartName != r.Account {
			t.Errorf("%s config: %+v %v, impacket %+v", s.Name, cfg, err, r)
		}
	}
	// Samba's own services: the Remote Registry runs (it serves the
	// lab's winreg), its start type is demand.
	byName := map[string]Service{}
	for _, s := range services {
		byName[s.Name] = s
	}
	if byName["RemoteRegistry"].State != Running {
		t.Errorf("RemoteRegistry: %+v", byName["RemoteRegistry"])
	}
	if _, err := c.Config(ctx, "NoSuchService"); !errors.Is(err, ErrServiceNotFound) {
		t.Errorf("absent service: %v", err)
	}
	c.Close(ctx)
	t.Logf("%d services identical to impacket's", len(services))
}

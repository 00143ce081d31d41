package main

// An in-process SSH server for the conformance tests: 127.0.0.1 only, public-key authentication,
// "exec" through /bin/sh, the sftp subsystem, and "env" requests refused like stock sshd does for
// anything but its AcceptEnv LANG LC_*.

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"net"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

type testSSHD struct {
	addr    string
	hostKey ssh.PublicKey
	// dropAll: close every connection before the SSH handshake (a dial that fails).
	dropAll atomic.Bool

	accepts atomic.Int32 // TCP connections accepted (dial attempts)
	mu      sync.Mutex
	env     []string // names of the env requests received
	execs   []string // commands run
}

func newKey(t *testing.T) ssh.Signer {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// startSSHD serves until the test ends; only the keys of authorized may log in.
func startSSHD(t *testing.T, authorized ...ssh.PublicKey) *testSSHD {
	t.Helper()
	host := newKey(t)
	cfg := &ssh.ServerConfig{
		PublicKeyCallback: func(_ ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			for _, a := range authorized {
				if string(a.Marshal()) == string(key.Marshal()) {
					return nil, nil
				}
			}
			return nil, errDenied
		},
	}
	cfg.AddHostKey(host)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	d := &testSSHD{addr: l.Addr().String(), hostKey: host.PublicKey()}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			d.accepts.Add(1)
			if d.dropAll.Load() {
				c.Close()
				continue
			}
			go d.serve(c, cfg)
		}
	}()
	return d
}

var errDenied = errors.New("key not authorized")

func (d *testSSHD) serve(c net.Conn, cfg *ssh.ServerConfig) {
	defer c.Close()
	sc, chans, reqs, err := ssh.NewServerConn(c, cfg)
	if err != nil {
		return
	}
	defer sc.Close()
	go ssh.DiscardRequests(reqs)
	for nc := range chans {
		if nc.ChannelType() != "session" {
			_ = nc.Reject(ssh.UnknownChannelType, "only sessions")
			continue
		}
		ch, creqs, err := nc.Accept()
		if err != nil {
			continue
		}
		go d.session(ch, creqs)
	}
}

func (d *testSSHD) session(ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer ch.Close()
	var env []string
	for r := range reqs {
		switch r.Type {
		case "env":
			var kv struct{ Name, Value string }
			_ = ssh.Unmarshal(r.Payload, &kv)
			d.mu.Lock()
			d.env = append(d.env, kv.Name)
			d.mu.Unlock()
			ok := kv.Name == "LANG" || strings.HasPrefix(kv.Name, "LC_")
			if ok {
				env = append(env, kv.Name+"="+kv.Value)
			}
			_ = r.Reply(ok, nil)
		case "exec":
			var cmd struct{ Command string }
			_ = ssh.Unmarshal(r.Payload, &cmd)
			d.mu.Lock()
			d.execs = append(d.execs, cmd.Command)
			d.mu.Unlock()
			_ = r.Reply(true, nil)
			d.run(ch, cmd.Command, env)
			return
		case "subsystem":
			var sub struct{ Name string }
			_ = ssh.Unmarshal(r.Payload, &sub)
			if sub.Name != "sftp" {
				_ = r.Reply(false, nil)
				continue
			}
			_ = r.Reply(true, nil)
			srv, err := sftp.NewServer(ch)
			if err == nil {
				_ = srv.Serve()
			}
			return
		default:
			if r.WantReply {
				_ = r.Reply(false, nil)
			}
		}
	}
}

func (d *testSSHD) run(ch ssh.Channel, command string, env []string) {
	cmd := exec.Command("/bin/sh", "-c", command)
	cmd.Env = append([]string{"PATH=/usr/bin:/bin"}, env...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = ch, ch, ch.Stderr()
	status := uint32(0)
	if err := cmd.Run(); err != nil {
		status = 1
		if ee, ok := err.(*exec.ExitError); ok {
			status = uint32(ee.ExitCode())
		}
	}
	_ = ch.CloseWrite()
	b := make([]byte, 4)
	binary.BigEndian.PutUint32(b, status)
	_, _ = ch.SendRequest("exit-status", false, b)
}

func (d *testSSHD) envRequests() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.env...)
}

func (d *testSSHD) commands() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.execs...)
}

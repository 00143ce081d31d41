package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/pkg/sftp"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// streams collects stdout/stderr and forwards complete lines to the engine log
// according to the "logging" input.
type streams struct {
	mu             sync.Mutex
	stdout, stderr bytes.Buffer
	logOut, logErr bool
	log            func(string)
	pending        [2]string
}

func newStreams(logging string, log func(string)) *streams {
	return &streams{
		logOut: logging == "stdout" || logging == "stdoutAndStderr",
		logErr: logging == "stderr" || logging == "stdoutAndStderr",
		log:    log,
	}
}

type streamWriter struct {
	s   *streams
	idx int
}

func (w streamWriter) Write(p []byte) (int, error) {
	s := w.s
	s.mu.Lock()
	defer s.mu.Unlock()
	buf, logIt := &s.stdout, s.logOut
	if w.idx == 1 {
		buf, logIt = &s.stderr, s.logErr
	}
	buf.Write(p)
	if logIt {
		s.pending[w.idx] += string(p)
		for {
			i := strings.IndexByte(s.pending[w.idx], '\n')
			if i < 0 {
				break
			}
			s.log(s.pending[w.idx][:i])
			s.pending[w.idx] = s.pending[w.idx][i+1:]
		}
	}
	return len(p), nil
}

func (s *streams) out() io.Writer { return streamWriter{s, 0} }
func (s *streams) err() io.Writer { return streamWriter{s, 1} }

func (s *streams) flush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.pending {
		if s.pending[i] != "" {
			s.log(s.pending[i])
			s.pending[i] = ""
		}
	}
}

func sortedEnv(env map[string]string) []string {
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, k+"="+env[k])
	}
	return out
}

// runLocal runs script with the interpreter (default /bin/sh -c) on this machine.
func runLocal(ctx context.Context, inputs resource.PropertyMap, env map[string]string, script string, out *streams) error {
	interp := []string{"/bin/sh", "-c"}
	if v, ok := inputs["interpreter"]; ok && v.IsArray() && len(v.ArrayValue()) > 0 {
		interp = nil
		for _, e := range v.ArrayValue() {
			interp = append(interp, e.StringValue())
		}
	}
	args := append(append([]string{}, interp[1:]...), script)
	cmd := exec.CommandContext(ctx, interp[0], args...)
	cmd.Dir = str(inputs, "dir")
	cmd.Env = append(os.Environ(), sortedEnv(env)...)
	if stdin := str(inputs, "stdin"); stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	cmd.Stdout, cmd.Stderr = out.out(), out.err()
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("local command failed: %w", err)
	}
	return nil
}

// hostKeyMismatch: the server presented another key than connection.hostKey.
type hostKeyMismatch struct{ addr, want, got string }

func (e *hostKeyMismatch) Error() string {
	return fmt.Sprintf("ssh: host key mismatch for %s: expected %s, presented %s", e.addr, e.want, e.got)
}

// dial opens an SSH client for a "connection" object, through its proxy if set.
func dial(ctx context.Context, conn resource.PropertyMap) (*ssh.Client, error) {
	var via *ssh.Client
	if p, ok := conn["proxy"]; ok && p.IsObject() {
		c, err := dial(ctx, p.ObjectValue())
		if err != nil {
			return nil, fmt.Errorf("proxy: %w", err)
		}
		via = c
	}
	host := str(conn, "host")
	if host == "" {
		return nil, errors.New("connection.host is required")
	}
	port := int(num(conn, "port", 22))
	user := str(conn, "user")
	if user == "" {
		user = "root"
	}
	var auths []ssh.AuthMethod
	if k := str(conn, "privateKey"); k != "" {
		var signer ssh.Signer
		var err error
		if pw := str(conn, "privateKeyPassword"); pw != "" {
			signer, err = ssh.ParsePrivateKeyWithPassphrase([]byte(k), []byte(pw))
		} else {
			signer, err = ssh.ParsePrivateKey([]byte(k))
		}
		if err != nil {
			return nil, fmt.Errorf("connection.privateKey: %w", err)
		}
		auths = append(auths, ssh.PublicKeys(signer))
	}
	if pw := str(conn, "password"); pw != "" {
		auths = append(auths, ssh.Password(pw),
			ssh.KeyboardInteractive(func(_, _ string, qs []string, _ []bool) ([]string, error) {
				a := make([]string, len(qs))
				for i := range a {
					a[i] = pw
				}
				return a, nil
			}))
	}
	sock := str(conn, "agentSocketPath")
	if sock == "" && len(auths) == 0 {
		sock = os.Getenv("SSH_AUTH_SOCK")
	}
	if sock != "" {
		if c, err := net.Dial("unix", sock); err == nil {
			auths = append(auths, ssh.PublicKeysCallback(agent.NewClient(c).Signers))
		}
	}
	timeout := time.Duration(num(conn, "perDialTimeout", 15)) * time.Second
	limit := int(num(conn, "dialErrorLimit", 10))
	addr := net.JoinHostPort(host, fmt.Sprint(port))
	// as upstream: hostKey (authorized_keys form) is the one key the server may present; without
	// it any key is accepted
	hostKeyCallback := ssh.InsecureIgnoreHostKey()
	var hostKeyAlgorithms []string
	if hk := str(conn, "hostKey"); hk != "" {
		want, _, _, _, err := ssh.ParseAuthorizedKey([]byte(hk))
		if err != nil {
			return nil, fmt.Errorf("connection.hostKey: %w", err)
		}
		hostKeyCallback = func(_ string, _ net.Addr, got ssh.PublicKey) error {
			if bytes.Equal(got.Marshal(), want.Marshal()) {
				return nil
			}
			return &hostKeyMismatch{addr: addr, want: ssh.FingerprintSHA256(want), got: ssh.FingerprintSHA256(got)}
		}
		hostKeyAlgorithms = []string{want.Type()}
		if want.Type() == ssh.KeyAlgoRSA {
			hostKeyAlgorithms = []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
		}
	}
	cfg := &ssh.ClientConfig{
		User:              user,
		Auth:              auths,
		HostKeyCallback:   hostKeyCallback,
		HostKeyAlgorithms: hostKeyAlgorithms,
		Timeout:           timeout,
	}
	var lastErr error
	for attempt := 1; limit < 0 || attempt <= max(limit, 1); attempt++ {
		var c *ssh.Client
		var err error
		if via != nil {
			var nc net.Conn
			nc, err = via.Dial("tcp", addr)
			if err == nil {
				var sc ssh.Conn
				var chans <-chan ssh.NewChannel
				var reqs <-chan *ssh.Request
				sc, chans, reqs, err = ssh.NewClientConn(nc, addr, cfg)
				if err == nil {
					c = ssh.NewClient(sc, chans, reqs)
				}
			}
		} else {
			c, err = ssh.Dial("tcp", addr, cfg)
		}
		if err == nil {
			return c, nil
		}
		var mismatch *hostKeyMismatch
		if errors.As(err, &mismatch) {
			return nil, err // the key will not change by retrying; nothing was sent
		}
		lastErr = err
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Duration(min(attempt, 5)) * time.Second):
		}
	}
	return nil, fmt.Errorf("dial %s@%s failed after %d attempts: %w", user, addr, max(limit, 1), lastErr)
}

func connectionOf(inputs resource.PropertyMap) (resource.PropertyMap, error) {
	c, ok := inputs["connection"]
	if !ok || !c.IsObject() {
		return nil, errors.New("connection is required")
	}
	return c.ObjectValue(), nil
}

// runRemote runs script through the remote user's login shell over SSH.
func runRemote(ctx context.Context, inputs resource.PropertyMap, env map[string]string, script string, out *streams) error {
	conn, err := connectionOf(inputs)
	if err != nil {
		return err
	}
	client, err := dial(ctx, conn)
	if err != nil {
		return err
	}
	defer client.Close()
	session, err := client.NewSession()
	if err != nil {
		return err
	}
	defer session.Close()
	for _, kv := range sortedEnv(env) {
		k, v, _ := strings.Cut(kv, "=")
		if err := session.Setenv(k, v); err != nil {
			if strings.HasPrefix(k, "PULUMI_COMMAND_") {
				continue // optional, the server may not accept it
			}
			return fmt.Errorf("could not set environment variable %q (the SSH server must AcceptEnv it): %w", k, err)
		}
	}
	if stdin := str(inputs, "stdin"); stdin != "" {
		session.Stdin = strings.NewReader(stdin)
	}
	session.Stdout, session.Stderr = out.out(), out.err()
	done := make(chan error, 1)
	go func() { done <- session.Run(script) }()
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = session.Signal(ssh.SIGTERM)
		err = ctx.Err()
	}
	if err != nil {
		return fmt.Errorf("remote command failed on %s: %w", str(conn, "host"), err)
	}
	return nil
}

// copyToRemote uploads an asset (file or text) or a directory archive over SFTP.
func (s *server) copyToRemote(ctx context.Context, _ resource.URN, inputs resource.PropertyMap) error {
	conn, err := connectionOf(inputs)
	if err != nil {
		return err
	}
	dst := str(inputs, "remotePath")
	src := inputs["source"]
	client, err := dial(ctx, conn)
	if err != nil {
		return err
	}
	defer client.Close()
	sc, err := sftp.NewClient(client)
	if err != nil {
		return fmt.Errorf("sftp: %w", err)
	}
	defer sc.Close()
	switch {
	case src.IsAsset():
		a := src.AssetValue()
		target := dst
		name := "asset"
		if a.Path != "" {
			name = filepath.Base(a.Path)
		}
		if fi, err := sc.Stat(dst); err == nil && fi.IsDir() {
			target = path.Join(dst, name)
		}
		var r io.Reader
		var mode os.FileMode = 0o644
		switch {
		case a.IsText():
			r = strings.NewReader(a.Text)
		case a.IsPath():
			f, err := os.Open(a.Path)
			if err != nil {
				return err
			}
			defer f.Close()
			if fi, err := f.Stat(); err == nil {
				mode = fi.Mode().Perm()
			}
			r = f
		default:
			return errors.New("CopyToRemote: only file and string assets are supported in this lab build")
		}
		return upload(sc, r, target, mode)
	case src.IsArchive():
		a := src.ArchiveValue()
		if !a.IsPath() {
			return errors.New("CopyToRemote: only path archives are supported in this lab build")
		}
		root := a.Path
		fi, err := os.Stat(root)
		if err != nil {
			return err
		}
		if !fi.IsDir() {
			return errors.New("CopyToRemote: archive source must be a directory in this lab build")
		}
		target := dst
		if rfi, err := sc.Stat(dst); err == nil && rfi.IsDir() {
			target = path.Join(dst, filepath.Base(root))
		}
		return filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			rp := path.Join(target, filepath.ToSlash(rel))
			if info.IsDir() {
				if err := sc.MkdirAll(rp); err != nil {
					return err
				}
				return sc.Chmod(rp, info.Mode().Perm())
			}
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			return upload(sc, f, rp, info.Mode().Perm())
		})
	}
	return errors.New("CopyToRemote: source must be an asset or an archive")
}

func upload(sc *sftp.Client, r io.Reader, target string, mode os.FileMode) error {
	f, err := sc.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_TRUNC)
	if err != nil {
		return fmt.Errorf("open %s: %w", target, err)
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", target, err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	return sc.Chmod(target, mode)
}

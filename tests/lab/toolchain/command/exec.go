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
	addr := net.JoinHostPort(host, fmt.Sprint(port))
	cfg, closeAgent, err := clientConfig(conn, user, addr)
	if err != nil {
		return nil, err
	}
	defer closeAgent()
	limit := int(num(conn, "dialErrorLimit", 10))
	var lastErr error
	delay := firstRetryDelay
	// as upstream: dialErrorLimit failed dials are retried, so limit+1 attempts (-1: no limit)
	for attempt := 1; limit < 0 || attempt <= limit+1; attempt++ {
		c, err := dialOnce(via, addr, cfg)
		if err == nil {
			return c, nil
		}
		var mismatch *hostKeyMismatch
		if errors.As(err, &mismatch) {
			return nil, err // the key will not change by retrying; nothing was sent
		}
		lastErr = err
		if limit >= 0 && attempt > limit {
			break
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(delay):
		}
		delay = min(time.Duration(float64(delay)*retryBackoff), maxRetryDelay)
	}
	return nil, fmt.Errorf("dial %s@%s failed after %d attempts: %w", user, addr, limit+1, lastErr)
}

// The retry schedule of upstream (the Pulumi SDK's retry.Until defaults).
const (
	firstRetryDelay = 100 * time.Millisecond
	retryBackoff    = 1.5
	maxRetryDelay   = 5 * time.Second
)

func dialOnce(via *ssh.Client, addr string, cfg *ssh.ClientConfig) (*ssh.Client, error) {
	if via == nil {
		return ssh.Dial("tcp", addr, cfg)
	}
	nc, err := via.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	sc, chans, reqs, err := ssh.NewClientConn(nc, addr, cfg)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return ssh.NewClient(sc, chans, reqs), nil
}

// clientConfig builds the SSH client configuration of a connection: privateKey, then password,
// then the agent. As upstream, the agent (agentSocketPath, else SSH_AUTH_SOCK) is used whenever
// one is named, also next to a private key, and a socket that cannot be dialled is an error at
// once. The returned function closes the agent connection.
func clientConfig(conn resource.PropertyMap, user, addr string) (*ssh.ClientConfig, func(), error) {
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
			return nil, nil, fmt.Errorf("connection.privateKey: %w", err)
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
	closeAgent := func() {}
	sock := str(conn, "agentSocketPath")
	if sock == "" {
		sock = os.Getenv("SSH_AUTH_SOCK")
	}
	if sock != "" {
		c, err := net.Dial("unix", sock)
		if err != nil {
			return nil, nil, fmt.Errorf("ssh agent %s: %w", sock, err)
		}
		closeAgent = func() { c.Close() }
		auths = append(auths, ssh.PublicKeysCallback(agent.NewClient(c).Signers))
	}
	// as upstream: hostKey (authorized_keys form) is the one key the server may present; without
	// it any key is accepted
	hostKeyCallback := ssh.InsecureIgnoreHostKey()
	var hostKeyAlgorithms []string
	if hk := str(conn, "hostKey"); hk != "" {
		want, _, _, _, err := ssh.ParseAuthorizedKey([]byte(hk))
		if err != nil {
			closeAgent()
			return nil, nil, fmt.Errorf("connection.hostKey: %w", err)
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
	return &ssh.ClientConfig{
		User:              user,
		Auth:              auths,
		HostKeyCallback:   hostKeyCallback,
		HostKeyAlgorithms: hostKeyAlgorithms,
		Timeout:           time.Duration(num(conn, "perDialTimeout", 15)) * time.Second,
	}, closeAgent, nil
}

func connectionOf(inputs resource.PropertyMap) (resource.PropertyMap, error) {
	c, ok := inputs["connection"]
	if !ok || !c.IsObject() {
		return nil, errors.New("connection is required")
	}
	return c.ObjectValue(), nil
}

// runRemote runs script through the remote user's login shell over SSH.
// env must be accepted by the server; a refusal of optional (the previous outputs) is a warning.
func runRemote(ctx context.Context, inputs resource.PropertyMap, env, optional map[string]string,
	script string, out *streams, warn func(string),
) error {
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
			return fmt.Errorf("could not set environment variable %q (the SSH server must AcceptEnv it): %w", k, err)
		}
	}
	for _, kv := range sortedEnv(optional) {
		k, v, _ := strings.Cut(kv, "=")
		if err := session.Setenv(k, v); err != nil {
			warn(fmt.Sprintf("Unable to set '%s': the SSH server does not accept it (AcceptEnv); the command runs without it", k))
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

// copyToRemote uploads a file or text asset, or a path archive (a file or a directory), over
// SFTP as upstream does: missing parent directories are created, files are created with the
// server's default mode (no chmod), and an existing directory at remotePath receives the source
// under its base name (a directory source ending in "/" is copied into it).
func (s *server) copyToRemote(ctx context.Context, _ resource.URN, inputs resource.PropertyMap) error {
	conn, err := connectionOf(inputs)
	if err != nil {
		return err
	}
	dst := str(inputs, "remotePath")
	var text *string
	var src string
	switch v := inputs["source"]; {
	case v.IsAsset() && v.AssetValue().IsText():
		t := v.AssetValue().Text
		text = &t
	case v.IsAsset() && v.AssetValue().IsPath():
		src = v.AssetValue().Path
	case v.IsArchive() && v.ArchiveValue().IsPath():
		src = v.ArchiveValue().Path
	default:
		return errors.New("CopyToRemote: source must be a file asset, a text asset or a path archive")
	}
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
	if text != nil {
		return copyText(sc, *text, dst)
	}
	return copyPath(sc, src, dst)
}

// remoteStat is nil, nil when path does not exist.
func remoteStat(sc *sftp.Client, p string) (os.FileInfo, error) {
	fi, err := sc.Stat(p)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("stat %s: %w", p, err)
	}
	return fi, nil
}

func copyText(sc *sftp.Client, text, dst string) error {
	fi, err := remoteStat(sc, dst)
	if err != nil {
		return err
	}
	if fi != nil && fi.IsDir() {
		return fmt.Errorf("remote path %s is a directory; a text asset needs a file path", dst)
	}
	if err := sc.MkdirAll(path.Dir(dst)); err != nil {
		return fmt.Errorf("create parent directories of %s: %w", dst, err)
	}
	return upload(sc, strings.NewReader(text), dst)
}

func copyPath(sc *sftp.Client, src, dst string) error {
	info, err := os.Stat(src)
	if err != nil {
		return err
	}
	fi, err := remoteStat(sc, dst)
	if err != nil {
		return err
	}
	if !info.IsDir() {
		switch {
		case fi != nil && fi.IsDir():
			dst = path.Join(dst, filepath.Base(src))
		case fi == nil:
			if err := sc.MkdirAll(path.Dir(dst)); err != nil {
				return fmt.Errorf("create parent directories of %s: %w", dst, err)
			}
		}
		return uploadFile(sc, src, dst)
	}
	if fi == nil {
		if err := sc.MkdirAll(dst); err != nil {
			return fmt.Errorf("create %s: %w", dst, err)
		}
	}
	if !strings.HasSuffix(src, "/") {
		dst = path.Join(dst, filepath.Base(src))
	}
	return filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		rp := path.Join(dst, filepath.ToSlash(rel))
		if !d.IsDir() {
			return uploadFile(sc, p, rp)
		}
		fi, err := remoteStat(sc, rp)
		switch {
		case err != nil:
			return err
		case fi == nil:
			return sc.Mkdir(rp)
		case !fi.IsDir():
			return fmt.Errorf("remote path %s exists but is not a directory", rp)
		}
		return nil
	})
}

func uploadFile(sc *sftp.Client, src, dst string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	return upload(sc, f, dst)
}

// upload writes r to target, created (or truncated) with the server's default mode.
func upload(sc *sftp.Client, r io.Reader, target string) error {
	f, err := sc.Create(target)
	if err != nil {
		return fmt.Errorf("create %s: %w", target, err)
	}
	if _, err := f.ReadFrom(r); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", target, err)
	}
	return f.Close()
}

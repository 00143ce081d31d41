package main

// Conformance of the lab plugin with @pulumi/command 1.2.1 (provider/pkg/provider/remote of
// github.com/pulumi/pulumi-command at v1.2.1 is the reference). The plugin's gRPC methods are
// called in-process against the SSH server of sshd_test.go; nothing leaves 127.0.0.1.

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"google.golang.org/protobuf/types/known/structpb"
)

func TestMain(m *testing.M) {
	os.Unsetenv("SSH_AUTH_SOCK") // the agent is used only where a test sets it
	os.Exit(m.Run())
}

// ---------------------------------------------------------------- fixtures

type testKey struct {
	signer ssh.Signer
	raw    ed25519.PrivateKey
	pem    string
}

func newTestKey(t *testing.T) testKey {
	t.Helper()
	_, raw, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(raw, "")
	if err != nil {
		t.Fatal(err)
	}
	return testKey{signer: signer, raw: raw, pem: string(pem.EncodeToMemory(block))}
}

// fakeEngine records what the plugin logs.
type fakeEngine struct {
	mu       sync.Mutex
	warnings []string
}

func (f *fakeEngine) Log(_ context.Context, sev diag.Severity, _ resource.URN, msg string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if sev == diag.Warning {
		f.warnings = append(f.warnings, msg)
	}
	return nil
}

func (f *fakeEngine) LogStatus(context.Context, diag.Severity, resource.URN, string) error {
	return nil
}

func (f *fakeEngine) warned() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.warnings...)
}

func newPlugin() (*server, *fakeEngine) {
	e := &fakeEngine{}
	return &server{host: e}, e
}

func urnOf(typ string) string { return "urn:pulumi:test::conformance::" + typ + "::r" }

// props builds a PropertyMap from strings, numbers, bools, []any, map[string]any and
// PropertyValues (unknowns, assets).
func props(m map[string]any) resource.PropertyMap {
	out := resource.PropertyMap{}
	for k, v := range m {
		out[resource.PropertyKey(k)] = value(v)
	}
	return out
}

func value(v any) resource.PropertyValue {
	switch v := v.(type) {
	case resource.PropertyValue:
		return v
	case string:
		return resource.NewStringProperty(v)
	case int:
		return resource.NewNumberProperty(float64(v))
	case bool:
		return resource.NewBoolProperty(v)
	case []any:
		a := make([]resource.PropertyValue, len(v))
		for i, e := range v {
			a[i] = value(e)
		}
		return resource.NewArrayProperty(a)
	case map[string]any:
		return resource.NewObjectProperty(props(v))
	}
	panic("unsupported value")
}

func with(m resource.PropertyMap, k string, v any) resource.PropertyMap {
	c := m.Copy()
	if v == nil {
		delete(c, resource.PropertyKey(k))
	} else {
		c[resource.PropertyKey(k)] = value(v)
	}
	return c
}

var unknown = resource.MakeComputed(resource.NewStringProperty(""))

func connTo(d *testSSHD, key *testKey, extra map[string]any) map[string]any {
	host, p, _ := net.SplitHostPort(d.addr)
	port, _ := strconv.Atoi(p)
	c := map[string]any{
		"host": host, "port": port, "user": "root",
		"hostKey": string(ssh.MarshalAuthorizedKey(d.hostKey)), "dialErrorLimit": 0,
	}
	if key != nil {
		c["privateKey"] = key.pem
	}
	for k, v := range extra {
		c[k] = v
	}
	return c
}

func mustMarshal(t *testing.T, m resource.PropertyMap) *structpb.Struct {
	t.Helper()
	s, err := marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func create(t *testing.T, s *server, typ string, in resource.PropertyMap) (resource.PropertyMap, error) {
	t.Helper()
	resp, err := s.Create(context.Background(), &pulumirpc.CreateRequest{Urn: urnOf(typ), Properties: mustMarshal(t, in)})
	return outputs(t, resp, err)
}

func update(t *testing.T, s *server, typ string, olds, news resource.PropertyMap) (resource.PropertyMap, error) {
	t.Helper()
	resp, err := s.Update(context.Background(), &pulumirpc.UpdateRequest{
		Urn: urnOf(typ), Olds: mustMarshal(t, olds), News: mustMarshal(t, news),
	})
	return outputs(t, resp, err)
}

// outputs: the properties a Create or Update answered, or its error.
func outputs(t *testing.T, resp interface{ GetProperties() *structpb.Struct }, err error) (resource.PropertyMap, error) {
	t.Helper()
	if err != nil {
		return nil, err
	}
	out, err := unmarshal(resp.GetProperties())
	if err != nil {
		t.Fatal(err)
	}
	return out, nil
}

func diff(t *testing.T, s *server, typ string, olds, news resource.PropertyMap) *pulumirpc.DiffResponse {
	t.Helper()
	resp, err := s.Diff(context.Background(), &pulumirpc.DiffRequest{
		Urn: urnOf(typ), OldInputs: mustMarshal(t, olds), Olds: mustMarshal(t, olds), News: mustMarshal(t, news),
	})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func replaces(r *pulumirpc.DiffResponse) bool {
	if len(r.GetReplaces()) == 0 {
		return false
	}
	for _, d := range r.GetDetailedDiff() {
		switch d.GetKind() {
		case pulumirpc.PropertyDiff_ADD_REPLACE, pulumirpc.PropertyDiff_DELETE_REPLACE, pulumirpc.PropertyDiff_UPDATE_REPLACE:
			return true
		}
	}
	return false
}

// ---------------------------------------------------------------- triggers and connection

// Upstream marks triggers replaceOnChanges: a trigger change of any kind replaces the resource
// (its provider answers *_REPLACE for the whole property, and the SDK's replaceOnChanges
// ["triggers[*]"] makes the engine replace on element changes; the lab answers *_REPLACE for both).
func TestTriggerChangesReplace(t *testing.T) {
	s, _ := newPlugin()
	base := map[string]any{"create": "true", "connection": map[string]any{"host": "127.0.0.1"}}
	cases := []struct {
		name     string
		old, new any // nil: no triggers
		replace  bool
	}{
		{"unchanged", []any{"a", "b"}, []any{"a", "b"}, false},
		{"element changed", []any{"a", "b"}, []any{"a", "c"}, true},
		{"element added", []any{"a"}, []any{"a", "b"}, true},
		{"element removed", []any{"a", "b"}, []any{"a"}, true},
		{"triggers added", nil, []any{"a"}, true},
		{"triggers removed", []any{"a"}, nil, true},
		{"element unknown at preview", []any{"a", "b"}, []any{"a", unknown}, true},
		{"triggers unknown at preview", []any{"a"}, unknown, true},
	}
	for _, typ := range []string{tokRemoteCommand, tokCopyToRemote, tokLocalCommand} {
		for _, c := range cases {
			t.Run(typ+"/"+c.name, func(t *testing.T) {
				olds, news := with(props(base), "triggers", c.old), with(props(base), "triggers", c.new)
				r := diff(t, s, typ, olds, news)
				if got := replaces(r); got != c.replace {
					t.Fatalf("replace = %v, want %v (diff %v)", got, c.replace, r)
				}
				if !c.replace && r.GetChanges() != pulumirpc.DiffResponse_DIFF_NONE {
					t.Fatalf("changes = %v, want none", r.GetChanges())
				}
			})
		}
	}
}

// A connection change is an update (not a replace) that runs create when there is no update.
func TestConnectionChangeUpdatesWithCreate(t *testing.T) {
	key := newTestKey(t)
	d1, d2 := startSSHD(t, key.signer.PublicKey()), startSSHD(t, key.signer.PublicKey())
	s, _ := newPlugin()
	olds := props(map[string]any{"connection": connTo(d1, &key, nil), "create": "echo created"})
	state, err := create(t, s, tokRemoteCommand, olds)
	if err != nil {
		t.Fatal(err)
	}
	news := with(olds, "connection", connTo(d2, &key, nil))
	r := diff(t, s, tokRemoteCommand, olds, news)
	if r.GetChanges() != pulumirpc.DiffResponse_DIFF_SOME || replaces(r) || !slices.Contains(r.GetDiffs(), "connection") {
		t.Fatalf("diff = %v, want an update of connection", r)
	}
	out, err := update(t, s, tokRemoteCommand, state, news)
	if err != nil {
		t.Fatal(err)
	}
	if got := d2.commands(); !slices.Equal(got, []string{"echo created"}) {
		t.Fatalf("commands on the new host = %q, want the create command", got)
	}
	if got := out["stdout"].StringValue(); got != "created" {
		t.Fatalf("stdout = %q", got)
	}
}

// ---------------------------------------------------------------- environment

// PULUMI_COMMAND_STDOUT/STDERR are sent only when the previous value is non-empty, and a server
// that refuses them (stock sshd) only causes a warning; a refused environment entry is an error.
func TestPreviousOutputEnv(t *testing.T) {
	key := newTestKey(t)
	d := startSSHD(t, key.signer.PublicKey())
	s, engine := newPlugin()
	in := props(map[string]any{"connection": connTo(d, &key, nil), "create": "echo first"})
	state, err := create(t, s, tokRemoteCommand, in)
	if err != nil {
		t.Fatal(err)
	}
	if got := d.envRequests(); len(got) != 0 {
		t.Fatalf("create sent env requests %q, want none (no previous output)", got)
	}
	news := with(in, "create", "echo second")
	out, err := update(t, s, tokRemoteCommand, state, news)
	if err != nil {
		t.Fatalf("update failed on a refused PULUMI_COMMAND_STDOUT: %v", err)
	}
	if got := d.envRequests(); !slices.Equal(got, []string{"PULUMI_COMMAND_STDOUT"}) {
		t.Fatalf("update sent env requests %q, want only PULUMI_COMMAND_STDOUT (stderr was empty)", got)
	}
	if w := engine.warned(); len(w) != 1 || !strings.Contains(w[0], "PULUMI_COMMAND_STDOUT") {
		t.Fatalf("warnings = %q, want one about PULUMI_COMMAND_STDOUT", w)
	}
	if got := out["stdout"].StringValue(); got != "second" {
		t.Fatalf("stdout = %q", got)
	}

	if _, err := update(t, s, tokRemoteCommand, out, with(news, "addPreviousOutputInEnv", false)); err != nil {
		t.Fatal(err)
	}
	if got := d.envRequests(); len(got) != 1 {
		t.Fatalf("addPreviousOutputInEnv false still sent env requests: %q", got)
	}

	if _, err := create(t, s, tokRemoteCommand, with(in, "environment", map[string]any{"FOO": "x"})); err == nil {
		t.Fatal("a refused environment entry did not fail the command")
	}
}

// ---------------------------------------------------------------- agent and dialling

func serveAgent(t *testing.T, keys ...testKey) string {
	t.Helper()
	ring := agent.NewKeyring()
	for _, k := range keys {
		if err := ring.Add(agent.AddedKey{PrivateKey: k.raw}); err != nil {
			t.Fatal(err)
		}
	}
	sock := filepath.Join(t.TempDir(), "agent.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); _ = agent.ServeAgent(ring, c) }()
		}
	}()
	return sock
}

// SSH_AUTH_SOCK is used whenever it is set; a stale socket fails at once, also with a private key.
func TestAgentFromSSHAuthSock(t *testing.T) {
	key := newTestKey(t)
	d := startSSHD(t, key.signer.PublicKey())
	s, _ := newPlugin()

	t.Setenv("SSH_AUTH_SOCK", serveAgent(t, key))
	out, err := create(t, s, tokRemoteCommand, props(map[string]any{"connection": connTo(d, nil, nil), "create": "echo via-agent"}))
	if err != nil {
		t.Fatalf("no login with the agent's key: %v", err)
	}
	if got := out["stdout"].StringValue(); got != "via-agent" {
		t.Fatalf("stdout = %q", got)
	}

	t.Setenv("SSH_AUTH_SOCK", filepath.Join(t.TempDir(), "stale.sock"))
	before := d.accepts.Load()
	start := time.Now()
	_, err = create(t, s, tokRemoteCommand, props(map[string]any{
		"connection": connTo(d, &key, map[string]any{"dialErrorLimit": 5}), "create": "true",
	}))
	if err == nil {
		t.Fatal("a stale SSH_AUTH_SOCK did not fail the command (a private key was given)")
	}
	if n := d.accepts.Load() - before; n != 0 || time.Since(start) > 2*time.Second {
		t.Fatalf("a stale SSH_AUTH_SOCK: %d dials in %v, want none, at once (%v)", n, time.Since(start), err)
	}
}

// dialErrorLimit failed dials are retried: limit+1 attempts in all.
func TestDialErrorLimitAttempts(t *testing.T) {
	key := newTestKey(t)
	d := startSSHD(t, key.signer.PublicKey())
	d.dropAll.Store(true)
	s, _ := newPlugin()
	for _, limit := range []int{0, 2} {
		before := d.accepts.Load()
		_, err := create(t, s, tokRemoteCommand, props(map[string]any{
			"connection": connTo(d, &key, map[string]any{"dialErrorLimit": limit}), "create": "true",
		}))
		if err == nil {
			t.Fatal("dialling a server that drops every connection succeeded")
		}
		if n := d.accepts.Load() - before; int(n) != limit+1 {
			t.Fatalf("dialErrorLimit %d: %d dial attempts, want %d", limit, n, limit+1)
		}
	}
}

// ---------------------------------------------------------------- CopyToRemote

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeFile(t *testing.T, p, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
}

func fileAsset(t *testing.T, p string) resource.PropertyValue {
	t.Helper()
	return assetProperty(t, func() (*resource.Asset, error) { return resource.NewPathAsset(p) })
}

func textAsset(t *testing.T, text string) resource.PropertyValue {
	t.Helper()
	return assetProperty(t, func() (*resource.Asset, error) { return resource.NewTextAsset(text) })
}

func assetProperty(t *testing.T, newAsset func() (*resource.Asset, error)) resource.PropertyValue {
	t.Helper()
	a, err := newAsset()
	if err != nil {
		t.Fatal(err)
	}
	return resource.NewAssetProperty(a)
}

func mode(t *testing.T, p string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// Parent directories are created, the file mode is the server's, an existing directory receives
// the file under its name, and an update copies again only when the source hash or the path changed.
func TestCopyToRemote(t *testing.T) {
	key := newTestKey(t)
	d := startSSHD(t, key.signer.PublicKey())
	s, _ := newPlugin()
	local, remote := t.TempDir(), t.TempDir() // the test server's file system is this one
	src := filepath.Join(local, "tool")
	writeFile(t, src, "v1", 0o755)
	conn := connTo(d, &key, nil)

	dst := filepath.Join(remote, "a", "b", "tool")
	in := props(map[string]any{"connection": conn, "source": fileAsset(t, src), "remotePath": dst})
	state, err := create(t, s, tokCopyToRemote, in)
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, dst); got != "v1" {
		t.Fatalf("copied %q", got)
	}
	if m := mode(t, dst); m&0o111 != 0 {
		t.Fatalf("mode %v: the source's mode was copied, upstream leaves it to the server", m)
	}

	t.Run("an existing file keeps its mode", func(t *testing.T) {
		existing := filepath.Join(remote, "existing")
		writeFile(t, existing, "old", 0o600)
		if _, err := create(t, s, tokCopyToRemote, with(in, "remotePath", existing)); err != nil {
			t.Fatal(err)
		}
		if got, m := readFile(t, existing), mode(t, existing); got != "v1" || m != 0o600 {
			t.Fatalf("existing file: %q mode %v, want v1 mode 0600", got, m)
		}
	})
	t.Run("into an existing directory", func(t *testing.T) {
		dir := filepath.Join(remote, "dir")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if _, err := create(t, s, tokCopyToRemote, with(in, "remotePath", dir)); err != nil {
			t.Fatal(err)
		}
		if got := readFile(t, filepath.Join(dir, "tool")); got != "v1" {
			t.Fatalf("copied %q", got)
		}
	})
	t.Run("a text asset with parent directories", func(t *testing.T) {
		p := filepath.Join(remote, "t", "u", "note.txt")
		if _, err := create(t, s, tokCopyToRemote, with(with(in, "source", textAsset(t, "hello")), "remotePath", p)); err != nil {
			t.Fatal(err)
		}
		if got := readFile(t, p); got != "hello" {
			t.Fatalf("copied %q", got)
		}
	})

	t.Run("update copies only on a new hash or path", func(t *testing.T) {
		writeFile(t, dst, "changed on the host", 0o644)
		before := d.accepts.Load()
		news := with(in, "connection", connTo(d, &key, map[string]any{"dialErrorLimit": 3}))
		news = with(news, "triggers", []any{"t1"})
		state2, err := update(t, s, tokCopyToRemote, state, news)
		if err != nil {
			t.Fatal(err)
		}
		if n := d.accepts.Load() - before; n != 0 || readFile(t, dst) != "changed on the host" {
			t.Fatalf("a connection/trigger change copied again (%d dials)", n)
		}

		writeFile(t, src, "v2", 0o755)
		news2 := with(news, "source", fileAsset(t, src))
		state3, err := update(t, s, tokCopyToRemote, state2, news2)
		if err != nil {
			t.Fatal(err)
		}
		if got := readFile(t, dst); got != "v2" {
			t.Fatalf("a new source hash copied %q, want v2", got)
		}

		moved := filepath.Join(remote, "moved", "tool")
		if _, err := update(t, s, tokCopyToRemote, state3, with(news2, "remotePath", moved)); err != nil {
			t.Fatal(err)
		}
		if got := readFile(t, moved); got != "v2" {
			t.Fatalf("a new remote path copied %q, want v2", got)
		}
	})
}

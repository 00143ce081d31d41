// pulumi-resource-command for the ha-kubernetes lab.
//
// The upstream provider module is not obtainable from the Go module proxy this
// lab may use, so this is a small, independent implementation of the subset of
// the "command" package that ha-kubernetes and its tests use:
//
//	command:local:Command        create/update/delete, dir, environment, interpreter, stdin
//	command:remote:Command       the same over SSH (connection, proxy jump)
//	command:remote:CopyToRemote  a file or text asset or a path archive, over SFTP
//
// It speaks the Pulumi resource provider gRPC protocol directly. Property names
// match the @pulumi/command SDK so the npm package drives it unchanged. The
// version reported to the engine is stamped with -ldflags "-X main.Version=...".
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// Version is set at build time.
var Version = "0.0.0-dev"

const (
	tokLocalCommand  = "command:local:Command"
	tokRemoteCommand = "command:remote:Command"
	tokCopyToRemote  = "command:remote:CopyToRemote"
)

// outputOnly lists state keys that are not inputs (ignored when diffing).
var outputOnly = map[resource.PropertyKey]bool{"stdout": true, "stderr": true}

type server struct {
	pulumirpc.UnimplementedResourceProviderServer
	host engineLog
}

// engineLog is the part of the engine's host client the provider uses (a fake in tests).
type engineLog interface {
	Log(ctx context.Context, sev diag.Severity, urn resource.URN, msg string) error
	LogStatus(ctx context.Context, sev diag.Severity, urn resource.URN, msg string) error
}

func main() {
	err := provider.Main("command", func(h *provider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		return &server{host: h}, nil
	})
	if err != nil {
		cmdutil.ExitError(err.Error())
	}
}

var unmarshalOpts = plugin.MarshalOptions{KeepUnknowns: true, SkipNulls: true, KeepSecrets: false}
var marshalOpts = plugin.MarshalOptions{KeepUnknowns: true, SkipNulls: true}

func unmarshal(s *structpb.Struct) (resource.PropertyMap, error) {
	return plugin.UnmarshalProperties(s, unmarshalOpts)
}

func marshal(m resource.PropertyMap) (*structpb.Struct, error) {
	return plugin.MarshalProperties(m, marshalOpts)
}

func (s *server) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: Version}, nil
}

func (s *server) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	b, _ := json.Marshal(map[string]any{"name": "command", "version": Version})
	return &pulumirpc.GetSchemaResponse{Schema: string(b)}, nil
}

func (s *server) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (s *server) DiffConfig(context.Context, *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

func (s *server) Configure(context.Context, *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	return &pulumirpc.ConfigureResponse{AcceptSecrets: false, SupportsPreview: true}, nil
}

func (s *server) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

func checkType(urn string) error {
	switch resource.URN(urn).Type().String() {
	case tokLocalCommand, tokRemoteCommand, tokCopyToRemote:
		return nil
	}
	return fmt.Errorf("this lab build of the command provider does not implement %s", resource.URN(urn).Type())
}

func (s *server) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	if err := checkType(req.GetUrn()); err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	var failures []*pulumirpc.CheckFailure
	if l, ok := news["logging"]; ok && l.IsString() {
		switch l.StringValue() {
		case "stdout", "stderr", "stdoutAndStderr", "none":
		default:
			failures = append(failures, &pulumirpc.CheckFailure{Property: "logging",
				Reason: "logging must be one of stdout, stderr, stdoutAndStderr, none"})
		}
	}
	t := resource.URN(req.GetUrn()).Type().String()
	if t == tokRemoteCommand || t == tokCopyToRemote {
		if _, ok := news["connection"]; !ok {
			failures = append(failures, &pulumirpc.CheckFailure{Property: "connection", Reason: "missing required property"})
		}
	}
	if t == tokCopyToRemote {
		for _, k := range []resource.PropertyKey{"source", "remotePath"} {
			if _, ok := news[k]; !ok {
				failures = append(failures, &pulumirpc.CheckFailure{Property: string(k), Reason: "missing required property"})
			}
		}
	}
	return &pulumirpc.CheckResponse{Inputs: req.GetNews(), Failures: failures}, nil
}

// diffPaths appends the property paths under prefix whose values differ.
// Arrays are compared element by element, so "triggers[*]" style
// replaceOnChanges options of the SDK match.
func diffPaths(prefix string, o, n resource.PropertyValue, out map[string]*pulumirpc.PropertyDiff) {
	if n.ContainsUnknowns() {
		out[prefix] = &pulumirpc.PropertyDiff{Kind: pulumirpc.PropertyDiff_UPDATE}
		return
	}
	if o.IsArray() && n.IsArray() {
		oa, na := o.ArrayValue(), n.ArrayValue()
		for i := 0; i < len(oa) || i < len(na); i++ {
			p := fmt.Sprintf("%s[%d]", prefix, i)
			switch {
			case i >= len(oa):
				out[p] = &pulumirpc.PropertyDiff{Kind: pulumirpc.PropertyDiff_ADD}
			case i >= len(na):
				out[p] = &pulumirpc.PropertyDiff{Kind: pulumirpc.PropertyDiff_DELETE}
			default:
				diffPaths(p, oa[i], na[i], out)
			}
		}
		return
	}
	if !o.DeepEquals(n) {
		out[prefix] = &pulumirpc.PropertyDiff{Kind: pulumirpc.PropertyDiff_UPDATE}
	}
}

func (s *server) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	olds, err := unmarshal(req.GetOldInputs())
	if err != nil {
		return nil, err
	}
	if len(olds) == 0 { // very old state without recorded inputs
		if olds, err = unmarshal(req.GetOlds()); err != nil {
			return nil, err
		}
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	detailed := map[string]*pulumirpc.PropertyDiff{}
	keys := map[resource.PropertyKey]bool{}
	for k := range olds {
		keys[k] = true
	}
	for k := range news {
		keys[k] = true
	}
	for k := range keys {
		if outputOnly[k] {
			continue
		}
		o, hasO := olds[k]
		n, hasN := news[k]
		switch {
		case hasO && !hasN:
			detailed[string(k)] = &pulumirpc.PropertyDiff{Kind: pulumirpc.PropertyDiff_DELETE}
		case !hasO && hasN:
			detailed[string(k)] = &pulumirpc.PropertyDiff{Kind: pulumirpc.PropertyDiff_ADD}
		default:
			diffPaths(string(k), o, n, detailed)
		}
	}
	if len(detailed) == 0 {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
	}
	var diffs, replaces []string
	seen := map[string]bool{}
	for p, d := range detailed {
		top := p
		if i := strings.IndexAny(top, "[."); i > 0 {
			top = top[:i]
		}
		if replaceOnChanges[resource.PropertyKey(top)] {
			d.Kind = asReplace(d.Kind)
		}
		if !seen[top] {
			seen[top] = true
			diffs = append(diffs, top)
			if replaceOnChanges[resource.PropertyKey(top)] {
				replaces = append(replaces, top)
			}
		}
	}
	return &pulumirpc.DiffResponse{
		Changes:         pulumirpc.DiffResponse_DIFF_SOME,
		Diffs:           diffs,
		Replaces:        replaces,
		DetailedDiff:    detailed,
		HasDetailedDiff: true,
	}, nil
}

// replaceOnChanges: inputs whose change (of the whole value or of any element, including one
// added, removed or unknown at preview) replaces the resource, as upstream's schema says
// (provider:"replaceOnChanges"; its SDKs pass replaceOnChanges ["triggers[*]"]).
var replaceOnChanges = map[resource.PropertyKey]bool{"triggers": true}

func asReplace(k pulumirpc.PropertyDiff_Kind) pulumirpc.PropertyDiff_Kind {
	switch k {
	case pulumirpc.PropertyDiff_ADD:
		return pulumirpc.PropertyDiff_ADD_REPLACE
	case pulumirpc.PropertyDiff_DELETE:
		return pulumirpc.PropertyDiff_DELETE_REPLACE
	case pulumirpc.PropertyDiff_UPDATE:
		return pulumirpc.PropertyDiff_UPDATE_REPLACE
	}
	return k
}

func (s *server) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	if err := checkType(req.GetUrn()); err != nil {
		return nil, err
	}
	urn := resource.URN(req.GetUrn())
	inputs, err := unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	id, err := resource.NewUniqueHex(urn.Name(), 8, 0)
	if err != nil {
		return nil, err
	}
	props, err := s.applied(ctx, urn, inputs, nil, "create", req.GetPreview())
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: props}, nil
}

func (s *server) Update(ctx context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	urn := resource.URN(req.GetUrn())
	olds, err := unmarshal(req.GetOlds())
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	props, err := s.applied(ctx, urn, news, olds, "update", req.GetPreview())
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: props}, nil
}

// applied runs apply and marshals the state it returns (Create and Update).
func (s *server) applied(ctx context.Context, urn resource.URN, news, olds resource.PropertyMap, op string, preview bool) (*structpb.Struct, error) {
	state, err := s.apply(ctx, urn, news, olds, op, preview)
	if err != nil {
		return nil, err
	}
	return marshal(state)
}

func (s *server) Delete(ctx context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	urn := resource.URN(req.GetUrn())
	olds, err := unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	if urn.Type().String() == tokCopyToRemote {
		return &emptypb.Empty{}, nil // like upstream: copied files stay
	}
	script := str(olds, "delete")
	if script == "" {
		return &emptypb.Empty{}, nil
	}
	_, err = s.run(ctx, urn, olds, olds, script)
	return &emptypb.Empty{}, err
}

func (s *server) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	// Nothing to refresh from: commands have no remote object to read back.
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: req.GetProperties(), Inputs: req.GetInputs()}, nil
}

// apply runs create (or update, falling back to create) and returns the new state.
func (s *server) apply(ctx context.Context, urn resource.URN, inputs, olds resource.PropertyMap,
	op string, preview bool,
) (resource.PropertyMap, error) {
	state := inputs.Copy()
	t := urn.Type().String()
	if t == tokCopyToRemote {
		if preview || (olds != nil && !copyChanged(olds, inputs)) {
			return state, nil
		}
		return state, s.copyToRemote(ctx, urn, inputs)
	}
	script := str(inputs, "create")
	if op == "update" {
		if u := str(inputs, "update"); u != "" {
			script = u
		}
	}
	if preview {
		if script != "" || inputs.ContainsUnknowns() {
			state["stdout"] = resource.MakeComputed(resource.NewStringProperty(""))
			state["stderr"] = resource.MakeComputed(resource.NewStringProperty(""))
		} else if olds != nil {
			copyOutputs(state, olds)
		}
		return state, nil
	}
	if script == "" {
		if olds != nil {
			copyOutputs(state, olds)
		}
		return state, nil
	}
	res, err := s.run(ctx, urn, inputs, olds, script)
	if err != nil {
		return nil, err
	}
	state["stdout"] = resource.NewStringProperty(res.stdout)
	state["stderr"] = resource.NewStringProperty(res.stderr)
	return state, nil
}

// copyChanged: an update of a CopyToRemote copies again only when the source's hash or the
// remote path changed (as upstream; a connection or trigger change alone copies nothing).
func copyChanged(olds, news resource.PropertyMap) bool {
	return sourceHash(olds) != sourceHash(news) || str(olds, "remotePath") != str(news, "remotePath")
}

func sourceHash(m resource.PropertyMap) string {
	switch v := m["source"]; {
	case v.IsAsset():
		return v.AssetValue().Hash
	case v.IsArchive():
		return v.ArchiveValue().Hash
	}
	return ""
}

func copyOutputs(dst, src resource.PropertyMap) {
	for k := range outputOnly {
		if v, ok := src[k]; ok {
			dst[k] = v
		}
	}
}

type result struct{ stdout, stderr string }

// run executes script locally or over SSH depending on the resource type.
func (s *server) run(ctx context.Context, urn resource.URN, inputs, olds resource.PropertyMap,
	script string,
) (result, error) {
	env := map[string]string{}
	if e, ok := inputs["environment"]; ok && e.IsObject() {
		for k, v := range e.ObjectValue() {
			if v.IsString() {
				env[string(k)] = v.StringValue()
			}
		}
	}
	prevEnv := previousOutputEnv(inputs, olds)
	logging := str(inputs, "logging")
	if logging == "" {
		logging = "stdoutAndStderr"
	}
	logf := func(line string) {
		if s.host != nil {
			_ = s.host.LogStatus(ctx, diag.Info, urn, line)
		}
	}
	warnf := func(msg string) {
		if s.host != nil {
			_ = s.host.Log(ctx, diag.Warning, urn, msg)
		}
	}
	out := newStreams(logging, logf)
	var err error
	switch urn.Type().String() {
	case tokLocalCommand:
		for k, v := range prevEnv {
			env[k] = v
		}
		err = runLocal(ctx, inputs, env, script, out)
	case tokRemoteCommand:
		err = runRemote(ctx, inputs, env, prevEnv, script, out, warnf)
	default:
		err = errors.New("unsupported resource type " + urn.Type().String())
	}
	out.flush()
	res := result{stdout: strings.TrimSuffix(out.stdout.String(), "\n"), stderr: strings.TrimSuffix(out.stderr.String(), "\n")}
	if err != nil {
		msg := err.Error()
		if res.stderr != "" {
			msg += ": " + lastLines(res.stderr, 20)
		}
		return res, fmt.Errorf("%s", msg)
	}
	return res, nil
}

// previousOutputEnv: PULUMI_COMMAND_STDOUT and PULUMI_COMMAND_STDERR from the previous state,
// each only when non-empty (as upstream), unless addPreviousOutputInEnv is false.
func previousOutputEnv(inputs, olds resource.PropertyMap) map[string]string {
	env := map[string]string{}
	if v, ok := inputs["addPreviousOutputInEnv"]; (ok && v.IsBool() && !v.BoolValue()) || olds == nil {
		return env
	}
	if v := str(olds, "stdout"); v != "" {
		env["PULUMI_COMMAND_STDOUT"] = v
	}
	if v := str(olds, "stderr"); v != "" {
		env["PULUMI_COMMAND_STDERR"] = v
	}
	return env
}

func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func str(m resource.PropertyMap, k resource.PropertyKey) string {
	if v, ok := m[k]; ok && v.IsString() {
		return v.StringValue()
	}
	return ""
}

func num(m resource.PropertyMap, k resource.PropertyKey, def float64) float64 {
	if v, ok := m[k]; ok && v.IsNumber() {
		return v.NumberValue()
	}
	return def
}

func init() {
	// A provider started by hand (not by the engine) just prints its version.
	if len(os.Args) == 2 && (os.Args[1] == "--version" || os.Args[1] == "-version") {
		fmt.Println(Version)
		os.Exit(0)
	}
}

package boulder

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func repoFile(t *testing.T, parts ...string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(append([]string{"..", ".."}, parts...)...))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func decodeNumbers(t *testing.T, data []byte, into any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(into); err != nil {
		t.Fatal(err)
	}
}

// The shared protocol vectors (schemas/api/vectors/), read by the TypeScript and Python SDKs too.
func TestVectorsRequests(t *testing.T) {
	var file struct {
		Requests []struct {
			Name   string         `json:"name"`
			ID     json.Number    `json:"id"`
			Method string         `json:"method"`
			Params map[string]any `json:"params"`
			Frame  string         `json:"frame"`
		} `json:"requests"`
		Notifications []struct {
			Method string         `json:"method"`
			Params map[string]any `json:"params"`
			Frame  string         `json:"frame"`
		} `json:"notifications"`
	}
	decodeNumbers(t, repoFile(t, "schemas", "api", "vectors", "requests.json"), &file)
	if len(file.Requests) == 0 {
		t.Fatal("no request vectors")
	}
	for _, v := range file.Requests {
		id, _ := v.ID.Int64()
		got, err := EncodeRequest(id, v.Method, v.Params)
		if err != nil || string(got) != v.Frame {
			t.Errorf("%s: got %s (%v), want %s", v.Name, got, err, v.Frame)
		}
	}
	for _, v := range file.Notifications {
		got, err := EncodeNotification(v.Method, v.Params)
		if err != nil || string(got) != v.Frame {
			t.Errorf("%s: got %s (%v), want %s", v.Method, got, err, v.Frame)
		}
	}
}

func TestVectorsResponsesErrorsNotifications(t *testing.T) {
	var responses struct {
		Responses []struct {
			Name   string          `json:"name"`
			Frame  string          `json:"frame"`
			ID     *int64          `json:"id"`
			Result json.RawMessage `json:"result"`
			Batch  []struct {
				ID     int64           `json:"id"`
				Result json.RawMessage `json:"result"`
			} `json:"batch"`
		} `json:"responses"`
	}
	decodeNumbers(t, repoFile(t, "schemas", "api", "vectors", "responses.json"), &responses)
	sameJSON := func(a, b json.RawMessage) bool {
		var x, y any
		_ = json.Unmarshal(a, &x)
		_ = json.Unmarshal(b, &y)
		ea, _ := json.Marshal(x)
		eb, _ := json.Marshal(y)
		return bytes.Equal(ea, eb)
	}
	for _, v := range responses.Responses {
		msgs, err := DecodeFrame([]byte(v.Frame))
		if err != nil {
			t.Fatalf("%s: %v", v.Name, err)
		}
		if v.Batch != nil {
			if len(msgs) != len(v.Batch) {
				t.Fatalf("%s: %d messages", v.Name, len(msgs))
			}
			for i, b := range v.Batch {
				if *msgs[i].ID != b.ID || !sameJSON(msgs[i].Result, b.Result) {
					t.Errorf("%s[%d]: got %d %s", v.Name, i, *msgs[i].ID, msgs[i].Result)
				}
			}
			continue
		}
		if len(msgs) != 1 || msgs[0].ID == nil || *msgs[0].ID != *v.ID || !sameJSON(msgs[0].Result, v.Result) {
			t.Errorf("%s: got %+v", v.Name, msgs)
		}
	}

	var errorsFile struct {
		Errors []struct {
			Name        string `json:"name"`
			Frame       string `json:"frame"`
			ID          *int64 `json:"id"`
			Code        string `json:"code"`
			JSONRPCCode int    `json:"jsonRpcCode"`
			Message     string `json:"message"`
			Reason      string `json:"reason"`
		} `json:"errors"`
	}
	decodeNumbers(t, repoFile(t, "schemas", "api", "vectors", "errors.json"), &errorsFile)
	for _, v := range errorsFile.Errors {
		msgs, err := DecodeFrame([]byte(v.Frame))
		if err != nil || len(msgs) != 1 {
			t.Fatalf("%s: %v", v.Name, err)
		}
		if (v.ID == nil) != (msgs[0].ID == nil) || (v.ID != nil && *v.ID != *msgs[0].ID) {
			t.Errorf("%s: id %v", v.Name, msgs[0].ID)
		}
		e := FromJSONRPCError(msgs[0].Error)
		if e.Code != v.Code || e.JSONRPCCode != v.JSONRPCCode || e.Message != v.Message || e.Reason() != v.Reason {
			t.Errorf("%s: got %+v (reason %q)", v.Name, e, e.Reason())
		}
	}

	var notes struct {
		Notifications []struct {
			Name      string          `json:"name"`
			Frame     string          `json:"frame"`
			Method    string          `json:"method"`
			Stream    string          `json:"stream"`
			Params    json.RawMessage `json:"params"`
			ErrorCode string          `json:"errorCode"`
		} `json:"notifications"`
	}
	decodeNumbers(t, repoFile(t, "schemas", "api", "vectors", "notifications.json"), &notes)
	for _, v := range notes.Notifications {
		msgs, err := DecodeFrame([]byte(v.Frame))
		if err != nil || len(msgs) != 1 {
			t.Fatalf("%s: %v", v.Name, err)
		}
		m := msgs[0]
		if m.Method != v.Method || m.Stream() != v.Stream || !sameJSON(m.Params, v.Params) || m.ID != nil {
			t.Errorf("%s: got %+v", v.Name, m)
		}
		q := newStreamQueue()
		q.push(m)
		_, _, err = q.next(context.Background())
		if v.Method == "stream.end" && CodeOf(err) != v.ErrorCode {
			t.Errorf("%s: stream end error %v, want %q", v.Name, err, v.ErrorCode)
		}
	}
}

// fakeDaemon answers every call with a canned result and records the frames it received.
type fakeDaemon struct {
	mu     sync.Mutex
	frames [][]byte
}

func (f *fakeDaemon) serve(w http.ResponseWriter, r *http.Request) {
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	conn.SetReadLimit(64 << 20)
	ctx := context.Background()
	reply := func(v any) { b, _ := json.Marshal(v); _ = conn.Write(ctx, websocket.MessageText, b) }
	note := func(method string, params map[string]any) {
		reply(map[string]any{"jsonrpc": "2.0", "method": method, "params": params})
	}
	for {
		_, data, err := conn.Read(ctx)
		if err != nil {
			return
		}
		f.mu.Lock()
		f.frames = append(f.frames, data)
		f.mu.Unlock()
		var req struct {
			ID     *int64         `json:"id"`
			Method string         `json:"method"`
			Params map[string]any `json:"params"`
		}
		_ = json.Unmarshal(data, &req)
		if req.ID == nil {
			continue
		}
		var result any = map[string]any{}
		switch req.Method {
		case "server.info":
			result = map[string]any{"version": "test", "maxPayload": 64 << 20}
		case "resources.list":
			result = map[string]any{"items": []any{}}
		case "resources.watch", "exec.start", "logs.read", "fs.watch":
			result = map[string]any{"stream": "s1"}
		case "fs.read":
			result = map[string]any{"size": 3, "offset": 0, "length": 3, "data": "aGkK", "sha256": "x"}
		case "fs.writeBegin":
			result = map[string]any{"upload": "u1"}
		case "workspaces.ports":
			result = map[string]any{"ports": []any{}}
		}
		reply(map[string]any{"jsonrpc": "2.0", "id": *req.ID, "result": result})
		switch req.Method {
		case "resources.watch":
			note("resources.event", map[string]any{"stream": "s1", "type": "ADDED", "object": map[string]any{"metadata": map[string]any{"name": "a", "resourceVersion": "1"}}})
		case "exec.start":
			note("exec.output", map[string]any{"stream": "s1", "fd": "stdout", "data": "aGkK"})
			note("exec.output", map[string]any{"stream": "s1", "fd": "stderr", "data": "b29wcwo="})
			note("exec.exit", map[string]any{"stream": "s1", "exitCode": 3})
			note("stream.end", map[string]any{"stream": "s1"})
		}
	}
}

// Every call the SDK makes, against the OpenRPC document: the method exists, every param it sends
// is declared, every required param is sent. Also checks the streams are routed (exec output, exit).
func TestCallsMatchOpenRPC(t *testing.T) {
	fake := &fakeDaemon{}
	srv := httptest.NewServer(http.HandlerFunc(fake.serve))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := Connect(ctx, Options{URL: "ws" + strings.TrimPrefix(srv.URL, "http"), Token: "t"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err = c.Get(ctx, "Workspace", "default", "a")
	must(err)
	_, err = c.List(ctx, "Workspace", ListOptions{Namespace: "default", LabelSelector: "a=b"})
	must(err)
	_, err = c.Apply(ctx, Object{"kind": "Workspace"})
	must(err)
	must(c.Delete(ctx, "Workspace", "default", "a"))
	for _, f := range []func(context.Context, string, string) (*LifecycleResult, error){c.StartWorkspace, c.StopWorkspace, c.PauseWorkspace, c.SwitchWorkspace} {
		_, err = f(ctx, "default", "a")
		must(err)
	}
	_, err = c.Ports(ctx, "default", "a")
	must(err)
	for ev, err := range c.Watch(ctx, "Workspace", ListOptions{Namespace: "default", ResourceVersion: "0"}) {
		must(err)
		if Metadata(ev.Object)["name"] != "a" {
			t.Fatalf("event %+v", ev)
		}
		break
	}
	w := c.Workspace("default", "a")
	_, err = w.Stat(ctx, "x", true)
	must(err)
	_, _, err = w.ListFiles(ctx, "", 2)
	must(err)
	must(w.Mkdir(ctx, "d", true))
	must(w.Remove(ctx, "d", true))
	content, err := w.ReadFile(ctx, "x")
	must(err)
	if string(content.Data) != "hi\n" {
		t.Fatalf("read %q", content.Data)
	}
	_, err = w.WriteFile(ctx, "x", []byte("hi"), WriteOptions{CreateParents: true, IfMatchSet: true})
	must(err)
	_, err = w.WriteFile(ctx, "big", bytes.Repeat([]byte("b"), ChunkBytes+1), WriteOptions{})
	must(err)
	var out, errOut bytes.Buffer
	res, err := w.Exec(ctx, []string{"sh"}, ExecOptions{Stdout: &out, Stderr: &errOut, Env: map[string]string{"A": "1"}, Workdir: "/", Stdin: strings.NewReader("in")})
	must(err)
	if out.String() != "hi\n" || errOut.String() != "oops\n" || res.ExitCode == nil || *res.ExitCode != 3 {
		t.Fatalf("exec: %q %q %v", out.String(), errOut.String(), res.ExitCode)
	}
	time.Sleep(200 * time.Millisecond) // the stdin feeder's last calls

	fake.mu.Lock()
	frames := slices.Clone(fake.frames)
	fake.mu.Unlock()
	checkAgainstOpenRPC(t, repoFile(t, "schemas", "api", "openrpc.json"), frames)
	if len(frames) < 20 {
		t.Fatalf("only %d frames", len(frames))
	}
}

func checkAgainstOpenRPC(t *testing.T, doc []byte, frames [][]byte) {
	t.Helper()
	var openrpc struct {
		Methods []struct {
			Name   string `json:"name"`
			Params []struct {
				Name     string `json:"name"`
				Required bool   `json:"required"`
			} `json:"params"`
		} `json:"methods"`
	}
	if err := json.Unmarshal(doc, &openrpc); err != nil {
		t.Fatal(err)
	}
	declared := map[string]map[string]bool{}
	for _, m := range openrpc.Methods {
		declared[m.Name] = map[string]bool{}
		for _, p := range m.Params {
			declared[m.Name][p.Name] = p.Required
		}
	}
	protocol := map[string]bool{"$/cancelRequest": true}
	for _, frame := range frames {
		var req struct {
			Method string         `json:"method"`
			Params map[string]any `json:"params"`
		}
		if err := json.Unmarshal(frame, &req); err != nil {
			t.Fatalf("frame %s: %v", frame, err)
		}
		if protocol[req.Method] {
			continue
		}
		params, ok := declared[req.Method]
		if !ok {
			t.Errorf("the SDK calls %s, which the OpenRPC document does not have", req.Method)
			continue
		}
		for name := range req.Params {
			if _, ok := params[name]; !ok {
				t.Errorf("%s: the SDK sends param %q, which the OpenRPC document does not declare", req.Method, name)
			}
		}
		for name, required := range params {
			if _, sent := req.Params[name]; required && !sent {
				t.Errorf("%s: the SDK omits required param %q", req.Method, name)
			}
		}
	}
}

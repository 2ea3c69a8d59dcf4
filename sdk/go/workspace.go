package boulder

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
)

// ChunkBytes is the largest chunk one message carries (decoded bytes): bigger reads arrive as a
// stream of fs.readChunk notifications, bigger writes go as an upload session.
const ChunkBytes = 1024 * 1024

// Workspace is a handle on one workspace's files and commands (fs.*, exec.*).
type Workspace struct {
	client    *Client
	Name      string
	Namespace string
}

// Workspace returns a handle on workspace `name` ("" namespace: the daemon's default).
func (c *Client) Workspace(namespace, name string) *Workspace {
	return &Workspace{client: c, Name: name, Namespace: namespace}
}

func (w *Workspace) target(extra map[string]any) map[string]any {
	extra["workspace"] = w.Name
	return withNamespace(extra, w.Namespace)
}

// FileEntry is one entry of a workspace's files.
type FileEntry struct {
	Path   string `json:"path"`
	Type   string `json:"type"` // file, directory, symlink, other
	Size   int64  `json:"size"`
	Mode   int64  `json:"mode"`
	Mtime  string `json:"mtime"`
	Target string `json:"target,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
}

// Stat is fs.stat ("" : the workspace folder); hash adds a file's sha256.
func (w *Workspace) Stat(ctx context.Context, path string, hash bool) (*FileEntry, error) {
	params := w.target(map[string]any{"path": path})
	if hash {
		params["hash"] = true
	}
	var out FileEntry
	if err := w.client.Call(ctx, "fs.stat", params, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListFiles is fs.list of directory `path`, `depth` levels deep (0: the daemon's default, 1).
func (w *Workspace) ListFiles(ctx context.Context, path string, depth int) ([]FileEntry, bool, error) {
	params := w.target(map[string]any{"path": path})
	if depth > 0 {
		params["depth"] = depth
	}
	var out struct {
		Entries   []FileEntry `json:"entries"`
		Truncated bool        `json:"truncated"`
	}
	if err := w.client.Call(ctx, "fs.list", params, &out); err != nil {
		return nil, false, err
	}
	return out.Entries, out.Truncated, nil
}

// Mkdir is fs.mkdir (parents: mkdir -p).
func (w *Workspace) Mkdir(ctx context.Context, path string, parents bool) error {
	params := w.target(map[string]any{"path": path})
	if parents {
		params["parents"] = true
	}
	return w.client.Call(ctx, "fs.mkdir", params, nil)
}

// Remove is fs.remove (a directory needs recursive unless empty).
func (w *Workspace) Remove(ctx context.Context, path string, recursive bool) error {
	params := w.target(map[string]any{"path": path})
	if recursive {
		params["recursive"] = true
	}
	return w.client.Call(ctx, "fs.remove", params, nil)
}

// FileContent is a file's content with its sha256 (when the read covered the whole file: pass it
// as WriteOptions.IfMatch for a compare-and-swap write).
type FileContent struct {
	Data   []byte
	Size   int64
	SHA256 string
}

// ReadFile reads a whole file (of any size: big ones arrive in chunks).
func (w *Workspace) ReadFile(ctx context.Context, path string) (*FileContent, error) {
	var buf bytes.Buffer
	content, err := w.ReadTo(ctx, path, &buf)
	if err != nil {
		return nil, err
	}
	content.Data = buf.Bytes()
	return content, nil
}

// ReadTo copies a file into `dst` chunk by chunk as it arrives; for files of any size.
func (w *Workspace) ReadTo(ctx context.Context, path string, dst io.Writer) (*FileContent, error) {
	var head struct {
		Size   int64  `json:"size"`
		Data   string `json:"data"`
		SHA256 string `json:"sha256"`
		Stream string `json:"stream"`
	}
	if err := w.client.Call(ctx, "fs.read", w.target(map[string]any{"path": path}), &head); err != nil {
		return nil, err
	}
	content := &FileContent{Size: head.Size, SHA256: head.SHA256}
	if head.Stream == "" {
		data, err := base64.StdEncoding.DecodeString(head.Data)
		if err != nil {
			return nil, newError(CodeInternal, "fs.read returned bad base64: %v", err)
		}
		if _, err := dst.Write(data); err != nil {
			return nil, err
		}
		return content, nil
	}
	q := w.client.openStream(head.Stream)
	defer w.client.closeStream(head.Stream, q)
	for {
		msg, ok, err := q.next(ctx)
		if err != nil {
			return nil, err
		}
		if !ok {
			return content, nil
		}
		if msg.Method != "fs.readChunk" {
			continue
		}
		var chunk struct {
			Data   string `json:"data"`
			SHA256 string `json:"sha256"`
		}
		if err := json.Unmarshal(msg.Params, &chunk); err != nil {
			return nil, newError(CodeInternal, "bad fs.readChunk: %v", err)
		}
		data, err := base64.StdEncoding.DecodeString(chunk.Data)
		if err != nil {
			return nil, newError(CodeInternal, "fs.readChunk carried bad base64: %v", err)
		}
		if _, err := dst.Write(data); err != nil {
			return nil, err
		}
		if chunk.SHA256 != "" {
			content.SHA256 = chunk.SHA256
		}
	}
}

// WriteOptions of WriteFile.
type WriteOptions struct {
	// IfMatch is the sha256 the current content must have ("" with IfMatchSet: the file must not
	// exist); else PreconditionFailed.
	IfMatch    string
	IfMatchSet bool
	// CreateParents makes missing parent directories.
	CreateParents bool
}

// WriteResult is what a write produced.
type WriteResult struct {
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

func (o WriteOptions) apply(params map[string]any) map[string]any {
	if o.IfMatchSet || o.IfMatch != "" {
		params["ifMatch"] = o.IfMatch
	}
	if o.CreateParents {
		params["createParents"] = true
	}
	return params
}

// WriteFile writes data to path atomically: up to ChunkBytes in one fs.write, more as an upload
// session (fs.writeBegin, fs.writeChunk…, fs.writeCommit).
func (w *Workspace) WriteFile(ctx context.Context, path string, data []byte, opts WriteOptions) (*WriteResult, error) {
	if len(data) <= ChunkBytes {
		var out WriteResult
		params := opts.apply(w.target(map[string]any{"path": path, "data": base64.StdEncoding.EncodeToString(data)}))
		if err := w.client.Call(ctx, "fs.write", params, &out); err != nil {
			return nil, err
		}
		return &out, nil
	}
	return w.WriteFrom(ctx, path, bytes.NewReader(data), opts)
}

// WriteFrom writes what `src` yields to path as an upload session, one chunk in flight.
func (w *Workspace) WriteFrom(ctx context.Context, path string, src io.Reader, opts WriteOptions) (*WriteResult, error) {
	var begun struct {
		Upload string `json:"upload"`
	}
	if err := w.client.Call(ctx, "fs.writeBegin", opts.apply(w.target(map[string]any{"path": path})), &begun); err != nil {
		return nil, err
	}
	abort := func() {
		_ = w.client.Call(context.Background(), "fs.writeAbort", map[string]any{"upload": begun.Upload}, nil)
	}
	buf := make([]byte, ChunkBytes)
	var offset int64
	for {
		n, readErr := io.ReadFull(src, buf)
		if n > 0 {
			params := map[string]any{"upload": begun.Upload, "offset": offset, "data": base64.StdEncoding.EncodeToString(buf[:n])}
			if err := w.client.Call(ctx, "fs.writeChunk", params, nil); err != nil {
				abort()
				return nil, err
			}
			offset += int64(n)
		}
		if readErr == io.EOF || readErr == io.ErrUnexpectedEOF {
			break
		}
		if readErr != nil {
			abort()
			return nil, readErr
		}
	}
	var out WriteResult
	if err := w.client.Call(ctx, "fs.writeCommit", map[string]any{"upload": begun.Upload}, &out); err != nil {
		abort()
		return nil, err
	}
	return &out, nil
}

// ExecOptions of Exec.
type ExecOptions struct {
	// Stdout and Stderr receive the command's output as it arrives (nil: discarded).
	Stdout, Stderr io.Writer
	// Stdin, when set, is sent to the command, then its stdin is closed.
	Stdin   io.Reader
	Env     map[string]string
	Workdir string
	// Service runs the command in this service's container.
	Service string
	TTY     bool
}

// ExecResult is how a command ended.
type ExecResult struct {
	// ExitCode is nil when the command was killed or cancelled before it reported one.
	ExitCode *int
}

// Exec runs command in the workspace (exec.start), streaming its output into opts.Stdout and
// opts.Stderr, and returns its exit code. Cancelling ctx kills it (the stream is cancelled).
func (w *Workspace) Exec(ctx context.Context, command []string, opts ExecOptions) (*ExecResult, error) {
	params := w.target(map[string]any{"command": command})
	if opts.Env != nil {
		params["env"] = opts.Env
	}
	if opts.Workdir != "" {
		params["workdir"] = opts.Workdir
	}
	if opts.Service != "" {
		params["service"] = opts.Service
	}
	if opts.TTY {
		params["tty"] = true
	}
	if opts.Stdin != nil {
		params["stdin"] = true
	}
	var started struct {
		Stream string `json:"stream"`
	}
	if err := w.client.Call(ctx, "exec.start", params, &started); err != nil {
		return nil, err
	}
	q := w.client.openStream(started.Stream)
	defer w.client.closeStream(started.Stream, q)
	if opts.Stdin != nil {
		go w.feed(ctx, started.Stream, opts.Stdin)
	}
	result := &ExecResult{}
	for {
		msg, ok, err := q.next(ctx)
		if err != nil {
			return result, err
		}
		if !ok {
			return result, nil
		}
		switch msg.Method {
		case "exec.output":
			var out struct {
				FD   string `json:"fd"`
				Data string `json:"data"`
			}
			if json.Unmarshal(msg.Params, &out) != nil {
				continue
			}
			data, err := base64.StdEncoding.DecodeString(out.Data)
			if err != nil {
				continue
			}
			dst := opts.Stdout
			if out.FD == "stderr" {
				dst = opts.Stderr
			}
			if dst != nil {
				if _, err := dst.Write(data); err != nil {
					return result, err
				}
			}
		case "exec.exit":
			var exit struct {
				ExitCode *int `json:"exitCode"`
			}
			if json.Unmarshal(msg.Params, &exit) == nil {
				result.ExitCode = exit.ExitCode
			}
		}
	}
}

func (w *Workspace) feed(ctx context.Context, stream string, src io.Reader) {
	buf := make([]byte, 64*1024)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			params := map[string]any{"stream": stream, "data": base64.StdEncoding.EncodeToString(buf[:n])}
			if w.client.Call(ctx, "exec.write", params, nil) != nil {
				return
			}
		}
		if err != nil {
			break
		}
	}
	_ = w.client.Call(ctx, "exec.closeStdin", map[string]any{"stream": stream}, nil)
}

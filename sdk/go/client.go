// Package boulder is the Go SDK of the boulder daemon API: JSON-RPC 2.0 over one WebSocket (the
// daemon's unix socket `<state dir>/api.sock`, or a ws:// / wss:// URL), authenticated by a token
// from `boulder token create`. Calls are multiplexed; the notifications of server streams (watches,
// big reads, exec output) are routed by their `stream` id. Every failure is an *Error carrying the
// API's stable code (error.data.code). The methods and params are those of schemas/api/openrpc.json.
package boulder

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// Options of Connect: exactly one of Socket and URL, and a Token.
type Options struct {
	// Socket is the daemon's unix socket, e.g. ~/.nexus/state/api.sock.
	Socket string
	// URL is a ws:// or wss:// URL of the daemon's TCP listener.
	URL string
	// Token is a token of `boulder token create`, sent as `Authorization: Bearer` on the upgrade.
	Token string
	// MaxMessageBytes bounds one message from the daemon (default 64 MiB).
	MaxMessageBytes int64
}

// ServerInfo is the connect-time answer of server.info.
type ServerInfo struct {
	Version    string          `json:"version"`
	Methods    []string        `json:"methods"`
	MaxPayload int64           `json:"maxPayload"`
	Raw        json.RawMessage `json:"-"`
}

// Client is one connection to the daemon API. Its methods are safe for concurrent use.
type Client struct {
	conn    *websocket.Conn
	writeMu sync.Mutex

	mu       sync.Mutex
	nextID   int64
	pending  map[int64]chan Message
	streams  map[string]*streamQueue
	early    map[string][]Message
	refusal  *Error
	closeErr *Error
	done     chan struct{}

	// Info is what the daemon answered at connect (version, methods, message size limit).
	Info ServerInfo
}

// Connect dials the daemon, presents the token and calls server.info; a refused token is an
// *Error with code Unauthenticated.
func Connect(ctx context.Context, opts Options) (*Client, error) {
	if (opts.Socket == "") == (opts.URL == "") {
		return nil, errors.New("boulder: Connect needs exactly one of Socket and URL")
	}
	header := http.Header{}
	header.Set("Authorization", "Bearer "+opts.Token)
	dial := &websocket.DialOptions{HTTPHeader: header, CompressionMode: websocket.CompressionDisabled}
	url := opts.URL
	if opts.Socket != "" {
		path := opts.Socket
		dial.HTTPClient = &http.Client{Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, "unix", path)
			},
		}}
		url = "ws://localhost/"
	}
	conn, _, err := websocket.Dial(ctx, url, dial)
	if err != nil {
		where := opts.URL
		if opts.Socket != "" {
			where = opts.Socket
		}
		return nil, newError(CodeUnavailable, "cannot connect to the boulder daemon API at %s: %v", where, err)
	}
	limit := opts.MaxMessageBytes
	if limit <= 0 {
		limit = 64 << 20
	}
	conn.SetReadLimit(limit)
	c := &Client{
		conn:    conn,
		nextID:  1,
		pending: map[int64]chan Message{},
		streams: map[string]*streamQueue{},
		early:   map[string][]Message{},
		done:    make(chan struct{}),
	}
	go c.readLoop()
	var raw json.RawMessage
	if err := c.Call(ctx, "server.info", map[string]any{}, &raw); err != nil {
		c.Close()
		return nil, err
	}
	_ = json.Unmarshal(raw, &c.Info)
	c.Info.Raw = raw
	return c, nil
}

// Close closes the connection; pending calls and streams fail with Unavailable.
func (c *Client) Close() error {
	err := c.conn.Close(websocket.StatusNormalClosure, "client closed")
	<-c.done
	return err
}

// Done is closed when the connection has ended.
func (c *Client) Done() <-chan struct{} { return c.done }

// Call calls `method` with `params` (a struct or map, sent by name) and decodes the result into
// `result` (nil: discarded). Cancelling ctx tells the daemon ($/cancelRequest) and returns a
// Cancelled *Error.
func (c *Client) Call(ctx context.Context, method string, params any, result any) error {
	if params == nil {
		params = map[string]any{}
	}
	c.mu.Lock()
	if c.closeErr != nil {
		err := c.closeErr
		c.mu.Unlock()
		return err
	}
	id := c.nextID
	c.nextID++
	reply := make(chan Message, 1)
	c.pending[id] = reply
	c.mu.Unlock()

	frame, err := EncodeRequest(id, method, params)
	if err != nil {
		c.forget(id)
		return newError(CodeInvalidParams, "cannot encode the params of %s: %v", method, err)
	}
	if c.Info.MaxPayload > 0 && int64(len(frame)) > c.Info.MaxPayload {
		c.forget(id)
		return newError(CodeTooLarge, "the %s message is %d bytes; the daemon accepts at most %d", method, len(frame), c.Info.MaxPayload)
	}
	if err := c.send(frame); err != nil {
		c.forget(id)
		return err
	}
	select {
	case msg, ok := <-reply:
		if !ok {
			return c.connectionError()
		}
		if len(msg.Error) > 0 {
			return FromJSONRPCError(msg.Error)
		}
		if result != nil {
			if err := json.Unmarshal(msg.Result, result); err != nil {
				return newError(CodeInternal, "cannot decode the result of %s: %v", method, err)
			}
		}
		return nil
	case <-ctx.Done():
		if c.forget(id) {
			if cancel, err := EncodeNotification("$/cancelRequest", map[string]any{"id": id}); err == nil {
				_ = c.send(cancel)
			}
		}
		return newError(CodeCancelled, "%s was cancelled: %v", method, ctx.Err())
	}
}

func (c *Client) forget(id int64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.pending[id]
	delete(c.pending, id)
	return ok
}

func (c *Client) send(frame []byte) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageText, frame); err != nil {
		if closed := c.connectionError(); closed != nil {
			return closed
		}
		return newError(CodeUnavailable, "cannot send to the daemon: %v", err)
	}
	return nil
}

func (c *Client) connectionError() *Error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closeErr != nil {
		return c.closeErr
	}
	return nil
}

func (c *Client) readLoop() {
	defer close(c.done)
	for {
		_, data, err := c.conn.Read(context.Background())
		if err != nil {
			c.fail(err)
			return
		}
		messages, err := DecodeFrame(data)
		if err != nil {
			continue
		}
		for _, msg := range messages {
			c.dispatch(msg)
		}
	}
}

func (c *Client) dispatch(msg Message) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case msg.Method != "":
		stream := msg.Stream()
		if stream == "" {
			return
		}
		if q, ok := c.streams[stream]; ok {
			q.push(msg)
			if msg.Method == "stream.end" {
				delete(c.streams, stream)
			}
		} else if len(c.early[stream]) < 10000 {
			c.early[stream] = append(c.early[stream], msg)
		}
	case msg.ID != nil:
		if reply, ok := c.pending[*msg.ID]; ok {
			delete(c.pending, *msg.ID)
			reply <- msg
		}
	case len(msg.Error) > 0:
		c.refusal = FromJSONRPCError(msg.Error)
	}
}

func (c *Client) fail(readErr error) {
	var closeErr *Error
	switch status := websocket.CloseStatus(readErr); status {
	case 4401:
		closeErr = c.refusal
		if closeErr == nil {
			closeErr = newError(CodeUnauthenticated, "the daemon refused the token")
		}
	case websocket.StatusMessageTooBig:
		closeErr = newError(CodeTooLarge, "a message was larger than the daemon accepts; the connection was closed")
	default:
		closeErr = newError(CodeUnavailable, "the connection to the daemon closed: %v", readErr)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closeErr = closeErr
	for id, reply := range c.pending {
		close(reply)
		delete(c.pending, id)
	}
	for id, q := range c.streams {
		q.fail(closeErr)
		delete(c.streams, id)
	}
	c.early = map[string][]Message{}
}

// openStream routes the notifications of server stream `id` to a queue (replaying those that came
// before); the queue ends at the stream's stream.end.
func (c *Client) openStream(id string) *streamQueue {
	q := newStreamQueue()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closeErr != nil {
		q.fail(c.closeErr)
		return q
	}
	ended := false
	for _, msg := range c.early[id] {
		q.push(msg)
		ended = ended || msg.Method == "stream.end"
	}
	delete(c.early, id)
	if !ended {
		c.streams[id] = q
	}
	return q
}

// closeStream stops routing stream `id`; when it had not ended, the daemon is told (streams.cancel).
func (c *Client) closeStream(id string, q *streamQueue) {
	c.mu.Lock()
	_, open := c.streams[id]
	delete(c.streams, id)
	c.mu.Unlock()
	if open && !q.ended() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = c.Call(ctx, "streams.cancel", map[string]any{"stream": id}, nil)
	}
}

// streamQueue is an unbounded queue of one stream's notifications (the daemon sends only when the
// socket has room, so it stays small).
type streamQueue struct {
	mu     sync.Mutex
	items  []Message
	err    *Error
	done   bool
	signal chan struct{}
}

func newStreamQueue() *streamQueue { return &streamQueue{signal: make(chan struct{}, 1)} }

func (q *streamQueue) push(msg Message) {
	q.mu.Lock()
	q.items = append(q.items, msg)
	if msg.Method == "stream.end" {
		q.done = true
	}
	q.mu.Unlock()
	q.wake()
}

func (q *streamQueue) fail(err *Error) {
	q.mu.Lock()
	q.err = err
	q.done = true
	q.mu.Unlock()
	q.wake()
}

func (q *streamQueue) wake() {
	select {
	case q.signal <- struct{}{}:
	default:
	}
}

func (q *streamQueue) ended() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.done && len(q.items) == 0
}

// next is the next notification of the stream; io.EOF-like end is (Message{}, nil, false) after
// stream.end without error; a failed stream returns its *Error.
func (q *streamQueue) next(ctx context.Context) (Message, bool, error) {
	for {
		q.mu.Lock()
		if len(q.items) > 0 {
			msg := q.items[0]
			q.items = q.items[1:]
			q.mu.Unlock()
			if msg.Method == "stream.end" {
				var p struct {
					Error json.RawMessage `json:"error"`
				}
				_ = json.Unmarshal(msg.Params, &p)
				if len(p.Error) > 0 && string(p.Error) != "null" {
					return Message{}, false, FromJSONRPCError(p.Error)
				}
				return Message{}, false, nil
			}
			return msg, true, nil
		}
		if q.err != nil {
			err := q.err
			q.mu.Unlock()
			return Message{}, false, err
		}
		q.mu.Unlock()
		select {
		case <-q.signal:
		case <-ctx.Done():
			return Message{}, false, newError(CodeCancelled, "the stream was cancelled: %v", ctx.Err())
		}
	}
}

// String is a short description for logs.
func (c *Client) String() string { return fmt.Sprintf("boulder.Client(%s)", c.Info.Version) }

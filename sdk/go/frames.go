package boulder

import (
	"bytes"
	"encoding/json"
)

// Frames on the wire: JSON-RPC 2.0, one JSON text per WebSocket message, compact, with the keys of
// a request in the order jsonrpc, id, method, params (schemas/api/vectors/ pins the bytes).

type request struct {
	JSONRPC string `json:"jsonrpc"`
	ID      int64  `json:"id"`
	Method  string `json:"method"`
	Params  any    `json:"params"`
}

type notificationOut struct {
	JSONRPC string `json:"jsonrpc"`
	Method  string `json:"method"`
	Params  any    `json:"params"`
}

// EncodeRequest is the frame of call `id` of `method` with `params` (a struct or a map; maps are
// written with sorted keys). HTML characters are not escaped, as in the other SDKs.
func EncodeRequest(id int64, method string, params any) ([]byte, error) {
	return marshal(request{JSONRPC: "2.0", ID: id, Method: method, Params: params})
}

// EncodeNotification is the frame of a notification the client sends (e.g. $/cancelRequest).
func EncodeNotification(method string, params any) ([]byte, error) {
	return marshal(notificationOut{JSONRPC: "2.0", Method: method, Params: params})
}

func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// Message is a decoded frame from the daemon: a response (ID set, Result or Error), a
// notification (Method set), or a connection-level error (ID null with Error).
type Message struct {
	ID     *int64          `json:"id"`
	Method string          `json:"method,omitempty"`
	Params json.RawMessage `json:"params,omitempty"`
	Result json.RawMessage `json:"result,omitempty"`
	Error  json.RawMessage `json:"error,omitempty"`
}

// Stream is the params.stream of a notification ("" when it belongs to no stream).
func (m *Message) Stream() string {
	var p struct {
		Stream string `json:"stream"`
	}
	if len(m.Params) > 0 {
		_ = json.Unmarshal(m.Params, &p)
	}
	return p.Stream
}

// DecodeFrame decodes one WebSocket message of the daemon (a batch gives several).
func DecodeFrame(data []byte) ([]Message, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		var batch []Message
		if err := json.Unmarshal(trimmed, &batch); err != nil {
			return nil, err
		}
		return batch, nil
	}
	var one Message
	if err := json.Unmarshal(trimmed, &one); err != nil {
		return nil, err
	}
	return []Message{one}, nil
}

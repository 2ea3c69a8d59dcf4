package boulder

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Stable API error codes (error.data.code), the table of the daemon's server/rpc/errors.ts.
const (
	CodeUnauthenticated      = "Unauthenticated"
	CodeForbidden            = "Forbidden"
	CodeNotFound             = "NotFound"
	CodeConflict             = "Conflict"
	CodeInvalidParams        = "InvalidParams"
	CodePathEscapesWorkspace = "PathEscapesWorkspace"
	CodeTooLarge             = "TooLarge"
	CodeUnavailable          = "Unavailable"
	CodeInternal             = "Internal"
	CodeCancelled            = "Cancelled"
	CodePreconditionFailed   = "PreconditionFailed"
	CodeGone                 = "Gone"
	CodeParseError           = "ParseError"
	CodeInvalidRequest       = "InvalidRequest"
	CodeMethodNotFound       = "MethodNotFound"
)

// JSONRPCCodes maps each stable code to its JSON-RPC error.code.
var JSONRPCCodes = map[string]int{
	CodeParseError:           -32700,
	CodeInvalidRequest:       -32600,
	CodeMethodNotFound:       -32601,
	CodeInvalidParams:        -32602,
	CodeInternal:             -32603,
	CodeUnauthenticated:      -32001,
	CodeForbidden:            -32003,
	CodeNotFound:             -32004,
	CodeConflict:             -32009,
	CodeGone:                 -32010,
	CodePreconditionFailed:   -32012,
	CodeTooLarge:             -32013,
	CodePathEscapesWorkspace: -32014,
	CodeUnavailable:          -32015,
	CodeCancelled:            -32800,
}

// Error is a failed call (or connection): Code is the API's stable code, Message is for humans,
// Data has the details (e.g. "issues" with field paths, "reason").
type Error struct {
	Code        string
	JSONRPCCode int
	Message     string
	Data        map[string]any
}

func (e *Error) Error() string { return fmt.Sprintf("boulder: %s: %s", e.Code, e.Message) }

// Reason is data.reason (e.g. "expired", "revoked", "scope"), when the daemon gave one.
func (e *Error) Reason() string {
	if r, ok := e.Data["reason"].(string); ok {
		return r
	}
	return ""
}

// newError makes an Error of a stable code.
func newError(code, format string, args ...any) *Error {
	return &Error{Code: code, JSONRPCCode: JSONRPCCodes[code], Message: fmt.Sprintf(format, args...)}
}

// rpcError is a JSON-RPC error object as sent on the wire.
type rpcError struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

// FromJSONRPCError turns a JSON-RPC error object into an *Error: the code is data.code when it is
// a known stable code, else the one of the numeric code, else Internal.
func FromJSONRPCError(raw json.RawMessage) *Error {
	var wire rpcError
	if err := json.Unmarshal(raw, &wire); err != nil {
		return newError(CodeInternal, "malformed error object: %v", err)
	}
	var data map[string]any
	if len(wire.Data) > 0 {
		_ = json.Unmarshal(wire.Data, &data)
	}
	code := ""
	if c, ok := data["code"].(string); ok {
		if _, known := JSONRPCCodes[c]; known {
			code = c
		}
	}
	if code == "" {
		for name, number := range JSONRPCCodes {
			if number == wire.Code {
				code = name
			}
		}
	}
	if code == "" {
		code = CodeInternal
	}
	message := wire.Message
	if message == "" {
		message = "unknown error"
	}
	return &Error{Code: code, JSONRPCCode: JSONRPCCodes[code], Message: message, Data: data}
}

// CodeOf is the stable code of err ("" when err is not an *Error).
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

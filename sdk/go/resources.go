package boulder

import (
	"context"
	"encoding/json"
	"iter"
)

// Object is a resource (Workspace, PortBinding, SyncSession…) as the API carries it.
type Object = map[string]any

// Metadata is the metadata of an Object (name, namespace, resourceVersion, generation…).
func Metadata(o Object) map[string]any {
	m, _ := o["metadata"].(map[string]any)
	return m
}

// ListResult is the result of resources.list.
type ListResult struct {
	Items           []Object `json:"items"`
	ResourceVersion string   `json:"resourceVersion,omitempty"`
}

// ApplyResult is the result of resources.apply.
type ApplyResult struct {
	Outcome string `json:"outcome"`
	Object  Object `json:"object"`
}

// ListOptions filter resources.list and resources.watch.
type ListOptions struct {
	Namespace     string
	LabelSelector string
	// ResourceVersion (watch only): deliver only changes after it; empty: ADDED for every object first.
	ResourceVersion string
}

func withNamespace(params map[string]any, namespace string) map[string]any {
	if namespace != "" {
		params["namespace"] = namespace
	}
	return params
}

// Get is resources.get.
func (c *Client) Get(ctx context.Context, kind, namespace, name string) (Object, error) {
	var out Object
	err := c.Call(ctx, "resources.get", withNamespace(map[string]any{"kind": kind, "name": name}, namespace), &out)
	return out, err
}

// List is resources.list.
func (c *Client) List(ctx context.Context, kind string, opts ListOptions) (*ListResult, error) {
	params := withNamespace(map[string]any{"kind": kind}, opts.Namespace)
	if opts.LabelSelector != "" {
		params["labelSelector"] = opts.LabelSelector
	}
	var out ListResult
	if err := c.Call(ctx, "resources.list", params, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Apply is resources.apply (create or update, validated by the daemon).
func (c *Client) Apply(ctx context.Context, object Object) (*ApplyResult, error) {
	var out ApplyResult
	if err := c.Call(ctx, "resources.apply", map[string]any{"object": object}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Delete is resources.delete.
func (c *Client) Delete(ctx context.Context, kind, namespace, name string) error {
	return c.Call(ctx, "resources.delete", withNamespace(map[string]any{"kind": kind, "name": name}, namespace), nil)
}

// LifecycleResult is the result of workspaces.start/stop/pause/switch.
type LifecycleResult struct {
	Name    string `json:"name"`
	State   string `json:"state,omitempty"`
	Changed bool   `json:"changed"`
	// Paused lists the workspaces a switch paused.
	Paused []string `json:"paused,omitempty"`
}

func (c *Client) lifecycle(ctx context.Context, method, namespace, name string) (*LifecycleResult, error) {
	var out LifecycleResult
	if err := c.Call(ctx, method, withNamespace(map[string]any{"name": name}, namespace), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// StartWorkspace sets spec.state=Running (workspaces.start).
func (c *Client) StartWorkspace(ctx context.Context, namespace, name string) (*LifecycleResult, error) {
	return c.lifecycle(ctx, "workspaces.start", namespace, name)
}

// StopWorkspace sets spec.state=Stopped (workspaces.stop).
func (c *Client) StopWorkspace(ctx context.Context, namespace, name string) (*LifecycleResult, error) {
	return c.lifecycle(ctx, "workspaces.stop", namespace, name)
}

// PauseWorkspace sets spec.state=Paused (workspaces.pause).
func (c *Client) PauseWorkspace(ctx context.Context, namespace, name string) (*LifecycleResult, error) {
	return c.lifecycle(ctx, "workspaces.pause", namespace, name)
}

// SwitchWorkspace makes the workspace the active one (workspaces.switch).
func (c *Client) SwitchWorkspace(ctx context.Context, namespace, name string) (*LifecycleResult, error) {
	return c.lifecycle(ctx, "workspaces.switch", namespace, name)
}

// Ports is workspaces.ports: the workspace's host ports, as the daemon describes them.
func (c *Client) Ports(ctx context.Context, namespace, name string) ([]map[string]any, error) {
	var out struct {
		Ports []map[string]any `json:"ports"`
	}
	if err := c.Call(ctx, "workspaces.ports", withNamespace(map[string]any{"name": name}, namespace), &out); err != nil {
		return nil, err
	}
	return out.Ports, nil
}

// WatchEvent is one change a watch reports.
type WatchEvent struct {
	Type   string `json:"type"` // ADDED, MODIFIED, DELETED
	Object Object `json:"object"`
}

// Watch is resources.watch as an iterator: `for ev, err := range c.Watch(ctx, "Workspace", opts)`.
// It ends when ctx ends (with a Cancelled error), when the loop breaks (the daemon is told), or
// with the stream's error; a Gone resourceVersion restarts it from scratch (ADDED events).
func (c *Client) Watch(ctx context.Context, kind string, opts ListOptions) iter.Seq2[WatchEvent, error] {
	return func(yield func(WatchEvent, error) bool) {
		version := opts.ResourceVersion
		for {
			params := withNamespace(map[string]any{"kind": kind}, opts.Namespace)
			if opts.LabelSelector != "" {
				params["labelSelector"] = opts.LabelSelector
			}
			if version != "" {
				params["resourceVersion"] = version
			}
			var opened struct {
				Stream string `json:"stream"`
			}
			if err := c.Call(ctx, "resources.watch", params, &opened); err != nil {
				yield(WatchEvent{}, err)
				return
			}
			restart, stop := c.follow(ctx, opened.Stream, &version, yield)
			if stop || !restart {
				return
			}
			version = ""
		}
	}
}

func (c *Client) follow(ctx context.Context, stream string, version *string, yield func(WatchEvent, error) bool) (restart, stop bool) {
	q := c.openStream(stream)
	defer c.closeStream(stream, q)
	for {
		msg, ok, err := q.next(ctx)
		if err != nil {
			if CodeOf(err) == CodeGone {
				return true, false
			}
			yield(WatchEvent{}, err)
			return false, true
		}
		if !ok {
			return false, true
		}
		if msg.Method != "resources.event" {
			continue
		}
		var ev WatchEvent
		if err := json.Unmarshal(msg.Params, &ev); err != nil {
			continue
		}
		if rv, ok := Metadata(ev.Object)["resourceVersion"].(string); ok {
			*version = rv
		}
		if !yield(ev, nil) {
			return false, true
		}
	}
}

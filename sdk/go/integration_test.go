package boulder

// Integration: a real `boulder daemon` (node bin/boulder.js, the built dist/) on a temporary state
// dir, tokens from the real `boulder token create`, and a real Docker workspace (busybox, the files
// a bind-mounted temporary git repository). Proves, through this SDK over the unix socket: create
// (resources.apply), watch its status change to Running/Ready, write and read a file, exec with
// streamed stdout/stderr and the exit code, and refused calls (a scope the token lacks, a workspace
// it does not cover, a forged token). Needs dist/ (npm run build) and the Docker engine; fails,
// never skips.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const busybox = "boulder-test/busybox:latest"

type daemon struct {
	root, stateDir string
	cmd            *exec.Cmd
}

func (d *daemon) boulder(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("node", append([]string{filepath.Join(d.root, "bin", "boulder.js"), "--state-dir", d.stateDir}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("boulder %v: %v\n%s", args, err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

func startDaemon(t *testing.T) *daemon {
	t.Helper()
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	if _, err := os.Stat(filepath.Join(root, "dist")); err != nil {
		t.Fatalf("dist/ is missing: run npm run build first (%v)", err)
	}
	stateDir, err := os.MkdirTemp("", "sdk-go-")
	if err != nil {
		t.Fatal(err)
	}
	d := &daemon{root: root, stateDir: stateDir}
	d.cmd = exec.Command("node", filepath.Join(root, "bin", "boulder.js"), "--state-dir", stateDir, "daemon")
	stderr, _ := d.cmd.StderrPipe()
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan string, 1)
	go func() {
		var seen strings.Builder
		scanner := bufio.NewScanner(stderr)
		for scanner.Scan() {
			seen.WriteString(scanner.Text() + "\n")
			if strings.Contains(scanner.Text(), "boulder daemon running") || strings.Contains(scanner.Text(), "error:") {
				ready <- seen.String()
				break
			}
		}
		for scanner.Scan() {
		}
		ready <- seen.String()
	}()
	select {
	case out := <-ready:
		if !strings.Contains(out, "boulder daemon running") {
			t.Fatalf("the daemon did not start: %s", out)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the daemon did not start within 60 s")
	}
	t.Cleanup(func() {
		stop := exec.Command("node", filepath.Join(root, "bin", "boulder.js"), "--state-dir", stateDir, "daemon", "stop", "--timeout", "20s")
		_ = stop.Run()
		_ = d.cmd.Process.Kill()
		_ = d.cmd.Wait()
		_ = os.RemoveAll(stateDir)
	})
	return d
}

func (d *daemon) token(t *testing.T, name string, workspace string, scopes ...string) string {
	args := []string{"token", "create", "--name", name, "--workspace", workspace, "--ttl", "1h"}
	for _, s := range scopes {
		args = append(args, "--scope", s)
	}
	return d.boulder(t, args...)
}

func gitRepo(t *testing.T) string {
	t.Helper()
	repo := t.TempDir()
	if err := os.WriteFile(filepath.Join(repo, "README"), []byte("seed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"add", "."}, {"-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "init"}} {
		if out, err := exec.Command("git", append([]string{"-C", repo}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v %s", args, err, out)
		}
	}
	return repo
}

func TestIntegrationDockerWorkspace(t *testing.T) {
	d := startDaemon(t)
	name := fmt.Sprintf("sdkgo%d", os.Getpid())
	repo := gitRepo(t)
	socket := filepath.Join(d.stateDir, "api.sock")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	full, err := Connect(ctx, Options{Socket: socket, Token: d.token(t, "sdk-go-full", name, "resources:read", "resources:write", "fs:read", "fs:write", "exec")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = full.Close() }) // after the workspace's deletion below (cleanups run last first)
	if full.Info.Version == "" {
		t.Fatalf("server.info: %+v", full.Info)
	}

	// create
	applied, err := full.Apply(ctx, Object{
		"apiVersion": "nexus.dev/v1alpha1", "kind": "Workspace",
		"metadata": map[string]any{"name": name, "annotations": map[string]any{"nexus.dev/force-delete": "true"}},
		"spec": map[string]any{"backend": "docker", "image": busybox,
			"repository": map[string]any{"path": repo, "onDelete": "Remove"}, "sync": map[string]any{"mode": "bind"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if applied.Outcome != "created" {
		t.Fatalf("apply: %+v", applied)
	}
	t.Cleanup(func() {
		cctx, ccancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer ccancel()
		_ = full.Delete(cctx, "Workspace", "", name)
		for cctx.Err() == nil {
			if _, err := full.Get(cctx, "Workspace", "", name); CodeOf(err) == CodeNotFound {
				return
			}
			time.Sleep(500 * time.Millisecond)
		}
	})

	// watch its status change to Running and Ready
	wctx, wcancel := context.WithTimeout(ctx, 150*time.Second)
	phases := []string{}
	for ev, err := range full.Watch(wctx, "Workspace", ListOptions{}) {
		if err != nil {
			t.Fatalf("watch (phases so far %v): %v", phases, err)
		}
		if Metadata(ev.Object)["name"] != name {
			continue
		}
		status, _ := ev.Object["status"].(map[string]any)
		phase, _ := status["phase"].(string)
		phases = append(phases, ev.Type+":"+phase)
		if phase == "Running" && condition(status, "Ready") == "True" {
			break
		}
	}
	wcancel()
	if len(phases) < 2 || !strings.HasSuffix(phases[len(phases)-1], ":Running") {
		t.Fatalf("watch did not see the workspace become Running: %v", phases)
	}

	// write and read a file
	ws := full.Workspace("", name)
	wrote, err := ws.WriteFile(ctx, "src/hello.txt", []byte("hello from Go\n"), WriteOptions{CreateParents: true})
	if err != nil {
		t.Fatal(err)
	}
	if wrote.Size != 14 {
		t.Fatalf("write: %+v", wrote)
	}
	read, err := ws.ReadFile(ctx, "src/hello.txt")
	if err != nil || string(read.Data) != "hello from Go\n" || read.SHA256 != wrote.SHA256 {
		t.Fatalf("read %+v (%v)", read, err)
	}
	entry, err := ws.Stat(ctx, "src/hello.txt", false)
	if err != nil || entry.Type != "file" || entry.Size != 14 {
		t.Fatalf("stat %+v (%v)", entry, err)
	}

	// exec with streamed output and exit code
	var stdout, stderr chunks
	res, err := ws.Exec(ctx, []string{"sh", "-c", "cat /workspace/src/hello.txt; echo to-stderr >&2; sleep 0.3; echo second; exit 3"}, ExecOptions{Stdout: &stdout, Stderr: &stderr})
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode == nil || *res.ExitCode != 3 {
		t.Fatalf("exit code %v", res.ExitCode)
	}
	if stdout.String() != "hello from Go\nsecond\n" || stderr.String() != "to-stderr\n" {
		t.Fatalf("stdout %q stderr %q", stdout.String(), stderr.String())
	}
	if stdout.writes < 2 {
		t.Fatalf("stdout came in %d piece(s); the output was not streamed", stdout.writes)
	}

	// refused: a token without exec, a workspace the token does not cover, a forged token
	readOnly, err := Connect(ctx, Options{Socket: socket, Token: d.token(t, "sdk-go-ro", name, "fs:read")})
	if err != nil {
		t.Fatal(err)
	}
	defer readOnly.Close()
	if content, err := readOnly.Workspace("", name).ReadFile(ctx, "src/hello.txt"); err != nil || string(content.Data) != "hello from Go\n" {
		t.Fatalf("fs:read token cannot read: %v", err)
	}
	_, err = readOnly.Workspace("", name).Exec(ctx, []string{"true"}, ExecOptions{})
	if CodeOf(err) != CodeForbidden {
		t.Fatalf("exec without the exec scope: %v", err)
	}
	_, err = readOnly.Workspace("", name).WriteFile(ctx, "x", []byte("x"), WriteOptions{})
	if CodeOf(err) != CodeForbidden {
		t.Fatalf("write without fs:write: %v", err)
	}
	_, err = full.Workspace("", name+"-other").ReadFile(ctx, "README")
	if CodeOf(err) != CodeForbidden {
		t.Fatalf("read of a workspace the token does not cover: %v", err)
	}
	_, err = Connect(ctx, Options{Socket: socket, Token: "eyJhbGciOiJFZERTQSJ9.e30.AAAA"})
	if CodeOf(err) != CodeUnauthenticated {
		t.Fatalf("forged token: %v", err)
	}
}

func condition(status map[string]any, kind string) string {
	conditions, _ := status["conditions"].([]any)
	for _, c := range conditions {
		m, _ := c.(map[string]any)
		if m["type"] == kind {
			s, _ := m["status"].(string)
			return s
		}
	}
	return ""
}

// chunks is a buffer that counts its writes (each is one exec.output notification).
type chunks struct {
	bytes.Buffer
	writes int
}

func (c *chunks) Write(p []byte) (int, error) {
	c.writes++
	return c.Buffer.Write(p)
}

// The lifecycle on the mock backend: watched through Running, Paused, Stopped and Running again,
// switch and ports, then deletion (the watch sees DELETED).
func TestIntegrationLifecycleMock(t *testing.T) {
	d := startDaemon(t)
	name := fmt.Sprintf("sdkgomock%d", os.Getpid())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := Connect(ctx, Options{Socket: filepath.Join(d.stateDir, "api.sock"), Token: d.token(t, "sdk-go-life", name, "resources:read", "resources:write", "ports")})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Apply(ctx, Object{"apiVersion": "nexus.dev/v1alpha1", "kind": "Workspace", "metadata": map[string]any{"name": name},
		"spec": map[string]any{"backend": "mock", "image": "debian:bookworm", "ports": map[string]any{"web": map[string]any{"containerPort": 3000}}}}); err != nil {
		t.Fatal(err)
	}
	events := make(chan WatchEvent, 100)
	wctx, wcancel := context.WithCancel(ctx)
	defer wcancel()
	go func() {
		for ev, err := range c.Watch(wctx, "Workspace", ListOptions{}) {
			if err != nil {
				close(events)
				return
			}
			if Metadata(ev.Object)["name"] == name {
				events <- ev
			}
		}
	}()
	until := func(phase string) {
		t.Helper()
		for {
			select {
			case ev, ok := <-events:
				if !ok {
					t.Fatalf("the watch ended before %s", phase)
				}
				status, _ := ev.Object["status"].(map[string]any)
				if phase == "DELETED" && ev.Type == "DELETED" {
					return
				}
				gen := Metadata(ev.Object)["generation"]
				if status["phase"] == phase && fmt.Sprint(status["observedGeneration"]) == fmt.Sprint(gen) {
					return
				}
			case <-ctx.Done():
				t.Fatalf("no %s before the deadline", phase)
			}
		}
	}
	until("Running")
	if r, err := c.PauseWorkspace(ctx, "", name); err != nil || r.State != "Paused" || !r.Changed {
		t.Fatalf("pause: %+v %v", r, err)
	}
	until("Paused")
	if r, err := c.StopWorkspace(ctx, "", name); err != nil || r.State != "Stopped" {
		t.Fatalf("stop: %+v %v", r, err)
	}
	until("Stopped")
	if r, err := c.StartWorkspace(ctx, "", name); err != nil || r.State != "Running" {
		t.Fatalf("start: %+v %v", r, err)
	}
	until("Running")
	if r, err := c.SwitchWorkspace(ctx, "", name); err != nil || r.Name != name {
		t.Fatalf("switch: %+v %v", r, err)
	}
	if _, err := c.Ports(ctx, "", name); err != nil {
		t.Fatalf("ports: %v", err)
	}
	list, err := c.List(ctx, "Workspace", ListOptions{})
	if err != nil || len(list.Items) != 1 {
		t.Fatalf("list: %+v %v", list, err)
	}
	if err := c.Delete(ctx, "Workspace", "", name); err != nil {
		t.Fatal(err)
	}
	until("DELETED")
	if _, err := c.Get(ctx, "Workspace", "", name); CodeOf(err) != CodeNotFound {
		t.Fatalf("get after delete: %v", err)
	}
	if _, err := c.StopWorkspace(ctx, "", name+"-other"); CodeOf(err) != CodeForbidden {
		t.Fatalf("stop of a workspace the token does not cover: %v", err)
	}
}

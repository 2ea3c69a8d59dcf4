/**
 * A handle on one workspace: `client.workspace('api')`. Lifecycle shortcuts live here; the files,
 * exec and logs parts (`.fs`, `.exec()`, `.logs()`) are added by the api-files side in fs.ts,
 * exec.ts and logs.ts — add them as members of this class (the hook), using `call`/`client`.
 */
import type { CallOptions } from './call-types.ts';
import { exec, startExec, type ExecHandle, type ExecOptions, type ExecResult } from './exec.ts';
import { WorkspaceFs, type FsEvent } from './fs.ts';
import type { ApiMethods, KubeObject } from './generated/api.ts';
import { logs, type LogChunk, type LogsOptions } from './logs.ts';
import { streamCallerOf, type StreamClient } from './stream-caller.ts';

type Scoped = { namespace?: string } & CallOptions;

/**
 * What a handle needs of the SDK's Client (client.ts, which creates handles: `client.workspace()`
 * gives a `WorkspaceHandle<Client>`); declared here so this module does not import the client back.
 */
export interface WorkspaceClient extends StreamClient {
  readonly resources: { get(kind: 'Workspace', name: string, options?: Scoped): Promise<KubeObject> };
  readonly workspaces: {
    start(name: string, options?: Scoped): Promise<ApiMethods['workspaces.start']['result']>;
    stop(name: string, options?: Scoped): Promise<ApiMethods['workspaces.stop']['result']>;
    pause(name: string, options?: Scoped): Promise<ApiMethods['workspaces.pause']['result']>;
    ports(name: string, options?: Scoped): Promise<ApiMethods['workspaces.ports']['result']['ports']>;
  };
}

/** One workspace of a connection. */
export class WorkspaceHandle<C extends WorkspaceClient = WorkspaceClient> {
  readonly client: C;
  readonly name: string;
  readonly namespace: string;

  constructor(client: C, name: string, namespace: string) {
    this.client = client;
    this.name = name;
    this.namespace = namespace;
  }

  /** The Workspace object. */
  get(options: CallOptions = {}): Promise<KubeObject> {
    return this.client.resources.get('Workspace', this.name, { namespace: this.namespace, ...options });
  }

  /** spec.state=Running. */
  start(options: CallOptions = {}) {
    return this.client.workspaces.start(this.name, { namespace: this.namespace, ...options });
  }

  /** spec.state=Stopped. */
  stop(options: CallOptions = {}) {
    return this.client.workspaces.stop(this.name, { namespace: this.namespace, ...options });
  }

  /** spec.state=Paused. */
  pause(options: CallOptions = {}) {
    return this.client.workspaces.pause(this.name, { namespace: this.namespace, ...options });
  }

  /** Host ports. */
  ports(options: CallOptions = {}) {
    return this.client.workspaces.ports(this.name, { namespace: this.namespace, ...options });
  }

  /** The workspace's files: `fs.readFile('src/app.ts')`, `fs.writeFile(path, data, { ifMatch })`… */
  get fs(): WorkspaceFs {
    return new WorkspaceFs(streamCallerOf(this.client), this.name, this.namespace);
  }

  /** Changes below `path` of the workspace's files, as an async iterator (see `fs.watch`). */
  watch(path = '', options: CallOptions = {}): AsyncIterable<FsEvent> {
    return this.fs.watch(path, options);
  }

  /** Runs `command` in the workspace to its end: `exec(['npm', 'test'], { onStdout })`. */
  exec(command: string[], options: ExecOptions = {}): Promise<ExecResult> {
    return exec(streamCallerOf(this.client), { workspace: this.name, namespace: this.namespace }, command, options);
  }

  /** Starts `command` and returns a handle (stdin, resize, kill, done). */
  startExec(command: string[], options: ExecOptions = {}): Promise<ExecHandle> {
    return startExec(streamCallerOf(this.client), { workspace: this.name, namespace: this.namespace }, command, options);
  }

  /** The container's output (or a service's), as `boulder logs`; `follow` keeps streaming. */
  logs(options: LogsOptions = {}): AsyncIterable<LogChunk> {
    return logs(streamCallerOf(this.client), { workspace: this.name, namespace: this.namespace }, options);
  }

  /** Calls a method with this workspace's name and namespace merged into the params (`name`/`workspace` as the method expects). */
  call(method: string, params: Record<string, unknown>, options: CallOptions = {}): Promise<unknown> {
    return this.client.callRaw(method, { namespace: this.namespace, ...params }, options);
  }
}

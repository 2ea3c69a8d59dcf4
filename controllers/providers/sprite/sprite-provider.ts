/**
 * The Sprite provider: a workspace is one Sprite (a persistent Fly.io microVM) named from its
 * namespace, name and uid (names.ts), labelled like every external object of boulder.
 *
 * - There is no image. The base is the Sprite's own system; the image's role is played by the
 *   workspace's setup (`spec.scripts.preStart`/`postStart`, run once per Sprite: the Sprite's id is
 *   the "container" id the lifecycle scripts are keyed by) and by checkpoints: a checkpoint taken
 *   after setup (`boulder workspace checkpoint`) is restored in well under a second
 *   (`boulder workspace restore`), which is how a Sprite goes back to a known state.
 * - `ensure` creates the Sprite when missing (drift: deleted behind boulder's back → created again),
 *   writes the workspace environment to `$HOME/.nexus/env` (0600; exec and services load it) and
 *   creates the workspace folder, then converges the lifecycle state:
 *   Running — nothing to start: a Sprite wakes on the next request; Paused — a checkpoint, the
 *   sessions ended so the Sprite can go warm then cold, the checkpoint id recorded; Stopped — the
 *   sessions ended. What boulder did is recorded in the Sprite's labels (`observe` reads them back).
 * - `observe` is one GET and never wakes a Sprite: its status (cold|warm|running), URL (when public)
 *   and last checkpoint are reported in the workspace status.
 * - Services are processes started inside the Sprite (exec sessions that outlive the connection),
 *   their output in `$HOME/.nexus/logs/<name>.log` (what `logs` shows); their image is not used.
 * - Ports: `endpoint` returns a dialer through the proxy WebSocket (connecting wakes the Sprite).
 * - Files: `syncAddress` is `sprite://<sprite>/<path>`, synced by exec (controllers/sync/sprite).
 */
import { TerminalError } from '../../runtime/errors.ts';
import type { DesiredRuntime, DesiredService, EndpointOptions, EnsureOptions, EnsureResult, ExecOptions, ExecResult, LogsOptions, ObservedRuntime, Provider, RuntimeEndpoint, RuntimeTarget } from '../types.ts';
import { SpriteApiError } from './api-errors.ts';
import { SpriteClient, type SpriteClientOptions } from './client.ts';
import { SpriteExec } from './exec.ts';
import { labelList, readLabels, recordedState, setupHash, spriteLabels, spriteName } from './names.ts';
import { dialSpritePort } from './proxy.ts';
import { ENV_FILE, runInSprite, shellQuote, withWorkspaceEnv } from './run.ts';
import { createCheckpoint, createSprite, deleteSprite, getSprite, killSession, listCheckpoints, listSessions, restoreCheckpoint, updateSprite, type Checkpoint, type Sprite } from './sprites-api.ts';
import { formatSpriteAddress } from '../../sync/sprite/address.ts';
import type { SyncCapability } from '../sync-capability.ts';
import { spriteSyncCapability } from './sync-capability.ts';
import { CHECKPOINT_LABEL, INVALID_SPEC, SETUP_LABEL, STATE_KEY, WORKDIR_LABEL } from '../../../apis/names/index.ts';

/** Options of the Sprite provider. */
export interface SpriteProviderOptions extends SpriteClientOptions {
  /** Sprites organization (informational: the token names it). */
  org?: string;
}

/** Marker in a service's command line, by which its session is found again. */
const SERVICE_MARK = 'nexus-service-';

/** See the module comment. */
export class SpriteProvider implements Provider {
  readonly backend = 'sprite' as const;
  readonly client: SpriteClient;
  /** `sprite://` sync endpoints, through this provider's client (sync-capability.ts). */
  readonly sync: SyncCapability;

  constructor(options: SpriteProviderOptions) {
    this.client = new SpriteClient(options);
    this.sync = spriteSyncCapability(this.client);
  }

  /** The Sprite name of a workspace. */
  name(target: RuntimeTarget): string {
    return spriteName(target);
  }

  syncAddress(target: RuntimeTarget, path: string): string {
    return formatSpriteAddress({ sprite: spriteName(target), path });
  }

  async observe(target: RuntimeTarget): Promise<ObservedRuntime | undefined> {
    const sprite = await getSprite(this.client, spriteName(target));
    return sprite === undefined ? undefined : observed(sprite, {});
  }

  async ensure(desired: DesiredRuntime, options: EnsureOptions = {}): Promise<EnsureResult> {
    const name = spriteName(desired.target);
    const changes: string[] = [];
    let sprite = await getSprite(this.client, name, options.signal);
    let created = false;
    if (sprite === undefined) {
      sprite = await this.#create(name, options.signal);
      created = true;
      changes.push(`sprite ${name} created`);
    }
    const labels = readLabels(sprite.labels);
    const before = labelList(labels).join(',');
    Object.assign(labels, spriteLabels(desired.target));
    const env = { ...desired.env, ...desired.secretEnv };
    const hash = setupHash(desired.target, env, desired.workdir);
    // Only a Running workspace is set up (an exec wakes the Sprite); a paused one is on resume.
    if (labels[SETUP_LABEL] !== hash && desired.state === 'Running') {
      await this.#setup(name, env, desired.workdir);
      labels[SETUP_LABEL] = hash;
      labels[WORKDIR_LABEL] = desired.workdir;
      if (!created) changes.push('environment updated');
    }
    const current = recordedState(labels);
    if (desired.state !== current) {
      await this.#converge(name, labels, desired.state);
      changes.push(`sprite ${desired.state === 'Running' ? 'resumed' : desired.state.toLowerCase()}`);
    }
    if (labelList(labels).join(',') !== before) sprite = await updateSprite(this.client, name, { labels: labelList(labels) }, options.signal);
    const services = desired.state === 'Running' ? await this.#ensureServices(name, desired.services, changes) : {};
    return {
      outcome: created ? 'created' : changes.length > 0 ? 'updated' : 'unchanged',
      changes,
      observed: observed({ ...sprite, labels: labelList(labels) }, services),
      ...(created ? { containerCreated: true } : {}),
    };
  }

  async #create(name: string, signal: AbortSignal | undefined): Promise<Sprite> {
    try {
      return await createSprite(this.client, name, 'sprite', signal);
    } catch (err) {
      // A create that raced another (or whose answer was lost) finds the Sprite there.
      if (err instanceof SpriteApiError && (err.httpStatus === 400 || err.httpStatus === 409)) {
        const found = await getSprite(this.client, name, signal);
        if (found !== undefined) return found;
      }
      throw err;
    }
  }

  /** Writes the environment file (0600) and creates the workspace folder. */
  async #setup(name: string, env: Record<string, string>, workdir: string): Promise<void> {
    const content = Object.entries(env)
      .map(([k, v]) => `export ${k}=${shellQuote(v)}\n`)
      .join('');
    const script = `umask 077; mkdir -p "$HOME/.nexus" && cat > "$HOME/${ENV_FILE}.tmp" && mv "$HOME/${ENV_FILE}.tmp" "$HOME/${ENV_FILE}" && mkdir -p ${shellQuote(workdir.replace(/^\/+/, '') || '.')}`;
    // The folder is created relative to `/` (dir=/), so the command names no absolute path.
    const result = await runInSprite(this.client, name, { argv: ['sh', '-c', script], dir: '/' }, {}, Buffer.from(content));
    if (result.exitCode !== 0) {
      throw new SpriteApiError('SpriteRequestRejected', `setting up sprite ${name} failed (exit ${result.exitCode}): ${result.stderr.trim().slice(0, 300)}`, { transient: true });
    }
  }

  /** Moves the Sprite to `wanted`, recording it in `labels`. */
  async #converge(name: string, labels: Record<string, string>, wanted: string): Promise<void> {
    if (wanted === 'Paused') {
      labels[CHECKPOINT_LABEL] = await createCheckpoint(this.client, name, 'boulder: paused');
      await this.#endSessions(name);
      labels[STATE_KEY] = 'Paused';
    } else if (wanted === 'Stopped') {
      await this.#endSessions(name);
      labels[STATE_KEY] = 'Stopped';
    } else {
      delete labels[STATE_KEY];
    }
  }

  /** Ends every exec session, so nothing keeps the Sprite awake. */
  async #endSessions(name: string): Promise<void> {
    const sessions = await listSessions(this.client, name);
    await Promise.all(sessions.filter((s) => s.is_active !== false).map((s) => killSession(this.client, name, s.id)));
  }

  /** Starts the services that do not run; returns which run. */
  async #ensureServices(name: string, services: DesiredService[], changes: string[]): Promise<Record<string, { running: boolean }>> {
    if (services.length === 0) return {};
    for (const s of services) {
      if (s.command.length === 0) throw new TerminalError(INVALID_SPEC, `spec.services.${s.name}: a service of a sprite workspace is a process and needs a command (its image is not used)`);
    }
    const sessions = await listSessions(this.client, name);
    const running = (svc: string): boolean => sessions.some((s) => s.is_active !== false && (s.command ?? '').includes(`${SERVICE_MARK}${svc} `));
    const result: Record<string, { running: boolean }> = {};
    for (const s of services) {
      if (!running(s.name)) {
        await this.#startService(name, s);
        changes.push(`service ${s.name} started`);
      }
      result[s.name] = { running: true };
    }
    return result;
  }

  async #startService(name: string, service: DesiredService): Promise<void> {
    const log = `$HOME/.nexus/logs/${service.name}.log`;
    const script = `mkdir -p "$HOME/.nexus/logs" && exec "$@" >>"${log}" 2>&1`;
    const exec = await SpriteExec.start(this.client, name, {
      argv: withWorkspaceEnv(['sh', '-c', script, `${SERVICE_MARK}${service.name}`, ...service.command], service.env),
      maxRunAfterDisconnect: '0',
    });
    // The session outlives this connection (max_run_after_disconnect=0): detach once it started.
    await new Promise((r) => setTimeout(r, 50));
    exec.close();
  }

  async pause(target: RuntimeTarget): Promise<void> {
    await this.#setState(target, 'Paused');
  }

  async resume(target: RuntimeTarget): Promise<void> {
    await this.#setState(target, 'Running');
  }

  async stop(target: RuntimeTarget): Promise<void> {
    await this.#setState(target, 'Stopped');
  }

  async #setState(target: RuntimeTarget, wanted: 'Running' | 'Paused' | 'Stopped'): Promise<void> {
    const name = spriteName(target);
    const sprite = await getSprite(this.client, name);
    if (sprite === undefined) {
      if (wanted === 'Running') throw new SpriteApiError('SpriteNotFound', `workspace ${target.namespace}/${target.name} has no sprite (${name}): reconcile it to create one`, { transient: true });
      return;
    }
    const labels = readLabels(sprite.labels);
    const current = recordedState(labels);
    if (current === wanted) return;
    await this.#converge(name, labels, wanted);
    await updateSprite(this.client, name, { labels: labelList(labels) });
  }

  async delete(target: RuntimeTarget): Promise<'deleted' | 'unchanged'> {
    return (await deleteSprite(this.client, spriteName(target))) ? 'deleted' : 'unchanged';
  }

  async exec(target: RuntimeTarget, command: string[], options: ExecOptions = {}): Promise<ExecResult> {
    const name = spriteName(target);
    const sprite = await this.#existing(target);
    if (options.service !== undefined) {
      throw new TerminalError(INVALID_SPEC, `exec in service ${options.service}: services of a sprite workspace are processes inside the sprite itself; exec without --service`);
    }
    const dir = options.workdir ?? readLabels(sprite.labels)[WORKDIR_LABEL];
    return runInSprite(
      this.client,
      name,
      { argv: withWorkspaceEnv(command, options.env), tty: options.tty === true, ...(dir !== undefined ? { dir } : {}) },
      options,
    );
  }

  async logs(target: RuntimeTarget, options: LogsOptions): Promise<void> {
    const name = spriteName(target);
    await this.#existing(target);
    if (options.service === undefined) {
      throw new TerminalError(INVALID_SPEC, 'a sprite has no main process log: name a service (its output is kept in the sprite), or use exec');
    }
    const args = [options.follow === true ? '-F' : '', options.tail !== undefined ? `-n ${options.tail}` : '-n +1'].filter((a) => a !== '').join(' ');
    await runInSprite(this.client, name, { argv: ['sh', '-c', `exec tail ${args} "$HOME/.nexus/logs/$1.log"`, 'nexus-logs', options.service] }, {
      stdout: options.stdout,
      stderr: options.stderr,
      ...(options.signal ? { signal: options.signal } : {}),
    }).catch((err: unknown) => {
      if (options.signal?.aborted !== true) throw err;
    });
  }

  async endpoint(target: RuntimeTarget, _options: EndpointOptions = {}): Promise<RuntimeEndpoint | undefined> {
    const name = spriteName(target);
    const sprite = await getSprite(this.client, name);
    if (sprite === undefined || recordedState(readLabels(sprite.labels)) === 'Stopped') return undefined;
    return { host: `sprite/${name}`, dial: (port) => dialSpritePort(this.client, name, port), instance: sprite.id };
  }

  /** Takes a checkpoint of the workspace's Sprite; returns its id (recorded on the Sprite). */
  async checkpoint(target: RuntimeTarget, comment?: string, onProgress?: (message: string) => void): Promise<string> {
    const name = spriteName(target);
    const sprite = await this.#existing(target);
    const id = await createCheckpoint(this.client, name, comment, onProgress);
    const labels = readLabels(sprite.labels);
    labels[CHECKPOINT_LABEL] = id;
    await updateSprite(this.client, name, { labels: labelList(labels) });
    return id;
  }

  /** The checkpoints of the workspace's Sprite, oldest first. */
  async checkpoints(target: RuntimeTarget): Promise<Checkpoint[]> {
    await this.#existing(target);
    return listCheckpoints(this.client, spriteName(target));
  }

  /** Restores checkpoint `id` (destructive: the Sprite restarts from it, its sessions end). */
  async restore(target: RuntimeTarget, id: string, onProgress?: (message: string) => void): Promise<void> {
    await this.#existing(target);
    await restoreCheckpoint(this.client, spriteName(target), id, onProgress);
  }

  async #existing(target: RuntimeTarget): Promise<Sprite> {
    const sprite = await getSprite(this.client, spriteName(target));
    if (sprite === undefined) {
      throw new SpriteApiError('SpriteNotFound', `workspace ${target.namespace}/${target.name} has no sprite (${spriteName(target)})`, { transient: true });
    }
    return sprite;
  }
}

/** What a Sprite is, as the workspace controller sees it. */
function observed(sprite: Sprite, services: Record<string, { running: boolean }>): ObservedRuntime {
  const labels = readLabels(sprite.labels);
  const facts = [`sprite status ${sprite.status}`];
  if (labels[CHECKPOINT_LABEL] !== undefined) facts.push(`last checkpoint ${labels[CHECKPOINT_LABEL]}`);
  if (sprite.url_settings?.auth === 'public' && sprite.url !== undefined) facts.push(`public URL ${sprite.url}`);
  return {
    id: sprite.id,
    state: recordedState(labels),
    image: 'sprite',
    services,
    detail: facts.join(', '),
    sprite: {
      name: sprite.name,
      status: String(sprite.status),
      ...(labels[CHECKPOINT_LABEL] !== undefined ? { lastCheckpoint: labels[CHECKPOINT_LABEL] } : {}),
      ...(sprite.url_settings?.auth === 'public' && sprite.url !== undefined ? { url: sprite.url } : {}),
    },
  };
}

/** A Sprite provider. */
export function createSpriteProvider(options: SpriteProviderOptions): SpriteProvider {
  return new SpriteProvider(options);
}

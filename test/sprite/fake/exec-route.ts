// Exec over WebSocket, before the upgrade: validate and translate the documented query (cmd, path,
// tty, stdin, cols, rows, env, dir, max_run_after_disconnect, id) and return what starts (or attaches
// to) the session once upgraded. Errors are HttpErrors answered before the upgrade.
import fs from 'node:fs/promises';
import type { WebSocket } from 'ws';
import { HttpError, boolParam, intParam } from './http-util.ts';
import { SPRITE_HOME, confined, hostPath, spritePath } from './paths.ts';
import { MARKER } from './procs.ts';
import { Session, parseDuration, type SessionSpec } from './session.ts';
import type { Sprite } from './sprite.ts';

/** The bounds exec needs. */
export interface ExecLimits {
  maxSessionsPerSprite: number;
  scrollbackBytes: number;
}

/** Validate an exec request before the upgrade; the returned function runs once upgraded. */
export async function prepareExec(sprite: Sprite, attachId: string | undefined, q: URLSearchParams, limits: ExecLimits): Promise<(ws: WebSocket) => void> {
  if (attachId !== undefined) {
    const session = sprite.sessions.get(Number(attachId));
    if (!session) throw new HttpError(404, `session not found: ${attachId}`);
    return (ws) => session.attach(ws, true);
  }
  const active = [...sprite.sessions.values()].filter((s) => s.active).length;
  if (active >= limits.maxSessionsPerSprite) throw new HttpError(429, 'too many exec sessions', { limit: limits.maxSessionsPerSprite, retry_after_seconds: 1 });
  for (const [k, v] of q) if (v.includes('\0') || k.includes('\0')) throw new HttpError(400, `NUL byte in parameter ${k.replace(/\0/g, '')}`);
  const cmd = q.getAll('cmd');
  const file = q.get('path') || cmd[0] || 'bash';
  const argv = cmd.length > 0 ? cmd : [file];
  const tty = boolParam(q, 'tty', false);
  const stdin = boolParam(q, 'stdin', tty);
  const cols = intParam(q, 'cols', 80, 1, 1000);
  const rows = intParam(q, 'rows', 24, 1, 1000);
  const mrad = q.get('max_run_after_disconnect');
  const maxRun = mrad === null ? (tty ? 0 : 10_000) : parseDuration(mrad);
  if (maxRun === undefined) throw new HttpError(400, `invalid max_run_after_disconnect: ${mrad}`);
  const { host: cwd, sprite: workdir } = await confined(sprite.fsRoot, q.get('dir') || SPRITE_HOME).catch((err: Error) => {
    throw new HttpError(400, err.message);
  });
  const st = await fs.stat(cwd).catch(() => null);
  if (!st?.isDirectory()) throw new HttpError(400, `working directory does not exist: ${workdir}`);
  const home = hostPath(sprite.fsRoot, SPRITE_HOME);
  const envList = q.getAll('env');
  let env: Record<string, string>;
  if (envList.length > 0) {
    env = {};
    for (const kv of envList) {
      const i = kv.indexOf('=');
      if (i <= 0) throw new HttpError(400, `invalid env entry (want K=V): ${kv}`);
      env[kv.slice(0, i)] = kv.slice(i + 1);
    }
  } else {
    env = {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: home,
      USER: 'sprite',
      LOGNAME: 'sprite',
      SHELL: '/bin/bash',
      LANG: 'C.UTF-8',
      TMPDIR: hostPath(sprite.fsRoot, '/tmp'),
      SPRITE_NAME: sprite.name,
    };
    if (tty) env.TERM = 'xterm-256color';
  }
  env[MARKER] = sprite.id;
  // An absolute executable that exists inside the Sprite (a script written there) runs from there;
  // otherwise the machine's (system tools: bash, tar, node…).
  let exe = file;
  if (file.startsWith('/')) {
    const inside = hostPath(sprite.fsRoot, spritePath(file));
    if (await fs.stat(inside).then((x) => x.isFile(), () => false)) exe = inside;
  }
  const spec: SessionSpec = { file: exe, argv, cwd, workdir, env, tty, stdin, cols, rows, maxRunAfterDisconnectMs: maxRun, scrollbackBytes: limits.scrollbackBytes };
  return (ws) => {
    const session = new Session(spec);
    sprite.sessions.set(session.id, session);
    session.onClients = () => {
      sprite.touch();
      sprite.updatePortWatch();
    };
    session.onExit = () => {
      sprite.touch();
      sprite.updatePortWatch();
      setTimeout(() => {
        if (sprite.sessions.get(session.id) === session && session.clientCount === 0) sprite.sessions.delete(session.id);
      }, 60_000).unref();
      // Bound the exited sessions kept for late attaches.
      const exited = [...sprite.sessions.values()].filter((s) => !s.active);
      for (const old of exited.slice(0, Math.max(0, exited.length - limits.maxSessionsPerSprite))) sprite.sessions.delete(old.id);
    };
    session.attach(ws, false);
  };
}

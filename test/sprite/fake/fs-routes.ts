// The filesystem API of the local Sprites API (/v1/sprites/{name}/fs/...): read (200 / 206 with a
// Range), write (raw body, mode, mkdirParents), list ({path, entries, count}), delete (recursive),
// rename, copy, chmod. Paths are Sprite paths (absolute or relative to workingDir) confined to the
// Sprite's root; errors are `{error, code, path}` with 404 for a missing file.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, type Stats } from 'node:fs';
import fs from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { HttpError, boolParam, readJson, sendJson } from './http-util.ts';
import { SpritePathError, confined } from './paths.ts';
import type { Sprite } from './sprite.ts';

const run = promisify(execFile);
const MAX_LIST = 10_000;

/** Limits the fs routes need. */
export interface FsLimits {
  maxWriteBytes: number;
  maxJsonBytes: number;
}

function fsError(err: unknown, spritePath: string): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof SpritePathError) return new HttpError(err.status, err.message, { code: err.code, path: err.spritePath });
  const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
  const status = code === 'ENOENT' ? 404 : code === 'EACCES' || code === 'EPERM' ? 403 : code === 'EEXIST' ? 409 : 400;
  const msg = { ENOENT: 'no such file or directory', ENOTDIR: 'not a directory', EISDIR: 'is a directory', ENOTEMPTY: 'directory not empty', EEXIST: 'file exists' }[code] ?? (err as Error).message;
  return new HttpError(status, `${msg}: ${spritePath}`, { code, path: spritePath });
}

function parseMode(v: unknown): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const s = String(v);
  if (!/^0?[0-7]{3,4}$/.test(s)) throw new HttpError(400, `invalid mode: ${s}`, { code: 'EINVAL' });
  return parseInt(s, 8);
}

function entryOf(name: string, spritePath: string, st: Stats): Record<string, unknown> {
  const type = st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'directory' : 'file';
  return {
    name,
    path: spritePath,
    type,
    size: st.size,
    mode: (st.mode & 0o7777).toString(8).padStart(4, '0'),
    modTime: st.mtime.toISOString(),
    isDir: st.isDirectory(),
  };
}

/** Handle /v1/sprites/{name}/fs/{op}. */
export async function fsRoute(sprite: Sprite, op: string, req: http.IncomingMessage, res: http.ServerResponse, q: URLSearchParams, limits: FsLimits): Promise<void> {
  const method = req.method ?? 'GET';
  const wd = q.get('workingDir') ?? undefined;
  const root = sprite.fsRoot;
  if (op === 'read' && method === 'GET') {
    const p = requirePath(q.get('path'));
    try {
      const { host, sprite: sp } = await confined(root, p, wd);
      const st = await fs.stat(host);
      if (st.isDirectory()) throw fsError(Object.assign(new Error('is a directory'), { code: 'EISDIR' }), sp);
      // A FIFO or device would block the reply (or never end): only regular files are read.
      if (!st.isFile()) throw new HttpError(400, `not a regular file: ${sp}`, { code: 'EINVAL', path: sp });
      const range = /^bytes=(\d*)-(\d*)$/.exec(String(req.headers.range ?? ''));
      let start = 0;
      let end = st.size - 1;
      let status = 200;
      if (range && (range[1] || range[2])) {
        if (range[1]) {
          start = Number(range[1]);
          if (range[2]) end = Math.min(end, Number(range[2]));
        } else {
          start = Math.max(0, st.size - Number(range[2]));
        }
        if (start > end || start >= st.size) {
          sendJson(res, 416, { error: 'range not satisfiable', path: sp }, { 'content-range': `bytes */${st.size}` });
          return;
        }
        status = 206;
      }
      const headers: Record<string, string> = { 'content-type': 'application/octet-stream', 'content-length': String(st.size === 0 ? 0 : end - start + 1) };
      if (status === 206) headers['content-range'] = `bytes ${start}-${end}/${st.size}`;
      res.writeHead(status, headers);
      if (st.size === 0) res.end();
      else await pipeline(createReadStream(host, { start, end }), res);
    } catch (err) {
      throw fsError(err, p);
    }
    return;
  }
  if (op === 'write' && method === 'PUT') {
    const p = requirePath(q.get('path'));
    const mode = parseMode(q.get('mode'));
    const mkdirParents = boolParam(q, 'mkdirParents', false) || boolParam(q, 'mkdir', false);
    let tmp: string | null = null;
    try {
      const { host } = await confined(root, p, wd);
      const dir = path.dirname(host);
      if (mkdirParents) await fs.mkdir(dir, { recursive: true });
      // Re-check: the parents just created must still resolve inside the root.
      await confined(root, p, wd);
      const existing = await fs.lstat(host).catch(() => null);
      if (existing?.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      tmp = path.join(dir, `.fake-write-${randomBytes(6).toString('hex')}`);
      const fh = await fs.open(tmp, 'wx', mode ?? (existing ? existing.mode & 0o7777 : 0o644));
      let size = 0;
      try {
        const declared = Number(req.headers['content-length'] ?? '0');
        if (declared > limits.maxWriteBytes) throw new HttpError(413, `body larger than ${limits.maxWriteBytes} bytes`);
        for await (const chunk of req) {
          size += (chunk as Buffer).length;
          if (size > limits.maxWriteBytes) throw new HttpError(413, `body larger than ${limits.maxWriteBytes} bytes`);
          await fh.write(chunk as Buffer);
        }
      } finally {
        await fh.close();
      }
      if (mode !== undefined) await fs.chmod(tmp, mode);
      await fs.rename(tmp, host);
      tmp = null;
      sendJson(res, 200, { path: p, size });
    } catch (err) {
      throw fsError(err, p);
    } finally {
      if (tmp) await fs.rm(tmp, { force: true });
    }
    return;
  }
  if (op === 'list' && method === 'GET') {
    const p = requirePath(q.get('path'));
    const recursive = boolParam(q, 'recursive', false);
    const pattern = q.get('pattern');
    try {
      const { host, sprite: sp } = await confined(root, p, wd);
      const st = await fs.lstat(host);
      const entries: Record<string, unknown>[] = [];
      if (!st.isDirectory()) {
        entries.push(entryOf(path.posix.basename(sp), sp, st));
      } else {
        const walk = async (h: string, s: string): Promise<void> => {
          const names = (await fs.readdir(h)).sort();
          for (const name of names) {
            if (entries.length >= MAX_LIST) return;
            const cst = await fs.lstat(path.join(h, name)).catch(() => null);
            if (!cst) continue;
            const csp = path.posix.join(s, name);
            if (!pattern || path.matchesGlob(name, pattern)) entries.push(entryOf(name, csp, cst));
            if (recursive && cst.isDirectory()) await walk(path.join(h, name), csp);
          }
        };
        await walk(host, sp);
      }
      sendJson(res, 200, { path: sp, entries, count: entries.length });
    } catch (err) {
      throw fsError(err, p);
    }
    return;
  }
  if (op === 'delete' && method === 'DELETE') {
    const p = requirePath(q.get('path'));
    const recursive = boolParam(q, 'recursive', false);
    try {
      const { host, sprite: sp } = await confined(root, p, wd, false);
      if (sp === '/') throw new HttpError(400, 'refusing to delete /', { code: 'EPERM', path: sp });
      const st = await fs.lstat(host);
      if (st.isDirectory()) {
        if (recursive) await fs.rm(host, { recursive: true });
        else await fs.rmdir(host);
      } else {
        await fs.unlink(host);
      }
      sendJson(res, 200, { path: sp });
    } catch (err) {
      throw fsError(err, p);
    }
    return;
  }
  if ((op === 'rename' || op === 'copy') && method === 'POST') {
    const body = await readJson(req, limits.maxJsonBytes);
    const src = requirePath(body.source);
    const dst = requirePath(body.dest);
    const bwd = typeof body.workingDir === 'string' ? body.workingDir : wd;
    try {
      const s = await confined(root, src, bwd, false);
      const d = await confined(root, dst, bwd, false);
      const st = await fs.lstat(s.host);
      if (op === 'rename') {
        await fs.rename(s.host, d.host);
      } else {
        if (st.isDirectory() && body.recursive !== true) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
        await run('cp', ['-a', '--reflink=auto', '--no-dereference', s.host, d.host]);
      }
      sendJson(res, 200, { source: s.sprite, dest: d.sprite });
    } catch (err) {
      throw fsError(err, src);
    }
    return;
  }
  if (op === 'chmod' && method === 'POST') {
    const body = await readJson(req, limits.maxJsonBytes);
    const p = requirePath(body.path);
    const mode = parseMode(body.mode);
    if (mode === undefined) throw new HttpError(400, 'mode is required', { code: 'EINVAL' });
    try {
      const { host, sprite: sp } = await confined(root, p, typeof body.workingDir === 'string' ? body.workingDir : wd);
      await fs.chmod(host, mode);
      if (body.recursive === true && (await fs.stat(host)).isDirectory()) {
        for (const e of await fs.readdir(host, { recursive: true })) {
          const h = path.join(host, e);
          if (!(await fs.lstat(h)).isSymbolicLink()) await fs.chmod(h, mode);
        }
      }
      sendJson(res, 200, { path: sp });
    } catch (err) {
      throw fsError(err, p);
    }
    return;
  }
  throw new HttpError(404, `no such filesystem operation: ${method} ${op}`);
}

function requirePath(v: unknown): string {
  if (typeof v !== 'string' || v.length === 0) throw new HttpError(400, 'path is required', { code: 'EINVAL' });
  if (v.length > 4096) throw new HttpError(400, 'path too long', { code: 'ENAMETOOLONG' });
  return v;
}

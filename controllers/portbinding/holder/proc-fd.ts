/**
 * Which process owns a socket inode: scan `/proc/<pid>/fd/*` for the `socket:[inode]` link, then
 * read the command from `/proc/<pid>/cmdline` (or `/proc/<pid>/comm`). Processes that vanish or
 * that we may not inspect (another user's, without privileges) are skipped.
 */
import { readdir, readFile, readlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { PortHolder } from '../contracts.ts';

/** Longest command line reported. */
const MAX_COMMAND_LINE = 256;

/** The first process (lowest pid) with an open fd on one of `inodes`, or undefined. */
export async function findSocketOwner(inodes: ReadonlySet<number>, procRoot = '/proc'): Promise<number | undefined> {
  if (inodes.size === 0) return undefined;
  const links = new Set([...inodes].map((inode) => `socket:[${inode}]`));
  const pids = (await readdir(procRoot)).filter((name) => /^\d+$/.test(name)).map(Number).sort((a, b) => a - b);
  for (const pid of pids) {
    const fdDir = join(procRoot, String(pid), 'fd');
    let fds: string[];
    try {
      fds = await readdir(fdDir);
    } catch {
      continue; // gone, or not ours to look at
    }
    const targets = await Promise.all(fds.map((fd) => readlink(join(fdDir, fd)).catch(() => undefined)));
    if (targets.some((target) => target !== undefined && links.has(target))) return pid;
  }
  return undefined;
}

/**
 * The command of `pid`: the program name (base name of argv[0], since some runtimes rename their
 * main thread — Node's comm reads `MainThread`), else comm; and the command line when readable.
 * Undefined when the process is gone.
 */
export async function describeProcess(pid: number, procRoot = '/proc'): Promise<PortHolder | undefined> {
  const comm = await readFile(join(procRoot, String(pid), 'comm'), 'utf8').catch(() => undefined);
  if (comm === undefined) return undefined;
  const cmdline = await readFile(join(procRoot, String(pid), 'cmdline'), 'utf8').catch(() => '');
  const args = cmdline.split('\0').filter((a) => a !== '');
  if (args.length === 0) return { pid, command: comm.trim() };
  return { pid, command: basename(args[0]!), commandLine: args.join(' ').slice(0, MAX_COMMAND_LINE) };
}

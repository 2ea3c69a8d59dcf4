// What the fake knows about a Sprite's processes, read from /proc: every process it starts carries
// the environment marker FAKE_SPRITE_ID=<id> (inherited by descendants, even daemons that leave the
// process group), so "the Sprite's processes" are the processes whose environment holds the marker.
import fsSync from 'node:fs';
import fs from 'node:fs/promises';

/** Environment variable every Sprite process carries. */
export const MARKER = 'FAKE_SPRITE_ID';

/** PIDs of live processes whose environment holds `MARKER=<id>`. */
export async function pidsOf(id: string): Promise<number[]> {
  const needle = Buffer.from(`${MARKER}=${id}\0`);
  const out: number[] = [];
  let names: string[];
  try {
    names = await fs.readdir('/proc');
  } catch {
    return out;
  }
  await Promise.all(
    names.map(async (n) => {
      if (!/^\d+$/.test(n) || Number(n) === process.pid) return;
      try {
        const env = await fs.readFile(`/proc/${n}/environ`);
        if (env.includes(needle)) {
          // Zombies keep their environ readable only briefly; skip zombies explicitly.
          const stat = await fs.readFile(`/proc/${n}/stat`, 'utf8');
          const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
          if (state !== 'Z') out.push(Number(n));
        }
      } catch {
        // gone, or not ours to read
      }
    }),
  );
  return out.sort((a, b) => a - b);
}

/** pidsOf, synchronously (for the test-facing snapshots). */
export function pidsOfSync(id: string): number[] {
  const needle = Buffer.from(`${MARKER}=${id}\0`);
  const out: number[] = [];
  let names: string[];
  try {
    names = fsSync.readdirSync('/proc');
  } catch {
    return out;
  }
  for (const n of names) {
    if (!/^\d+$/.test(n) || Number(n) === process.pid) continue;
    try {
      if (!fsSync.readFileSync(`/proc/${n}/environ`).includes(needle)) continue;
      const stat = fsSync.readFileSync(`/proc/${n}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z') out.push(Number(n));
    } catch {
      // gone, or not ours to read
    }
  }
  return out.sort((a, b) => a - b);
}

/** Send `signal` to each pid, ignoring processes that are already gone. */
export function signalAll(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** Kill every process of Sprite `id` (SIGKILL, repeated until none is left or `timeoutMs` passes). */
export async function killSprite(id: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pids = await pidsOf(id);
    if (pids.length === 0 || Date.now() > deadline) return;
    signalAll(pids, 'SIGCONT');
    signalAll(pids, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A TCP listener: local port, address, and the socket inode. */
interface Listener {
  port: number;
  address: string;
  inode: string;
}

function parseAddr(hex: string, v6: boolean): string {
  if (!v6) {
    const n = parseInt(hex, 16);
    return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255].join('.');
  }
  if (/^0+$/.test(hex)) return '::';
  if (hex === '00000000000000000000000001000000') return '::1';
  return hex;
}

async function listeners(): Promise<Listener[]> {
  const out: Listener[] = [];
  for (const [file, v6] of [['/proc/net/tcp', false], ['/proc/net/tcp6', true]] as const) {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A') continue; // 0A = LISTEN
      const [addrHex, portHex] = (f[1] ?? '').split(':');
      out.push({ port: parseInt(portHex ?? '0', 16), address: parseAddr(addrHex ?? '', v6), inode: f[9] ?? '' });
    }
  }
  return out;
}

async function socketInodes(pid: number): Promise<Set<string>> {
  const inodes = new Set<string>();
  let fds: string[];
  try {
    fds = await fs.readdir(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  await Promise.all(
    fds.map(async (fd) => {
      try {
        const link = await fs.readlink(`/proc/${pid}/fd/${fd}`);
        const m = /^socket:\[(\d+)\]$/.exec(link);
        if (m?.[1]) inodes.add(m[1]);
      } catch {
        // closed meanwhile
      }
    }),
  );
  return inodes;
}

/** The TCP ports Sprite `id`'s processes listen on: port → {address, pid}. */
export async function portsOf(id: string): Promise<Map<number, { address: string; pid: number }>> {
  const result = new Map<number, { address: string; pid: number }>();
  const pids = await pidsOf(id);
  if (pids.length === 0) return result;
  const all = await listeners();
  if (all.length === 0) return result;
  for (const pid of pids) {
    const inodes = await socketInodes(pid);
    for (const l of all) {
      if (inodes.has(l.inode) && !result.has(l.port)) result.set(l.port, { address: l.address, pid });
    }
  }
  return result;
}

/** Whether `ancestor` is `pid` or one of its ancestors (walking /proc/<pid>/stat ppid, ≤ 64 steps). */
export async function descendsFrom(pid: number, ancestor: number): Promise<boolean> {
  let cur = pid;
  for (let i = 0; i < 64 && cur > 1; i++) {
    if (cur === ancestor) return true;
    try {
      const stat = await fs.readFile(`/proc/${cur}/stat`, 'utf8');
      cur = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      return false;
    }
  }
  return false;
}

/**
 * Reading a secret from the platform keychain through its command-line tool: `secret-tool`
 * (libsecret) on Linux, `security` on macOS. A missing tool is a clear error naming it.
 */
import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { BoulderError, NotFoundError } from '../errors.ts';

/** The command that looks up a keychain item on one platform. */
export interface KeychainTool {
  command: string;
  args(service: string, account: string): string[];
  /** How to get the tool when it is missing. */
  install: string;
}

const TOOLS: Partial<Record<NodeJS.Platform, KeychainTool>> = {
  linux: {
    command: 'secret-tool',
    args: (service, account) => ['lookup', 'service', service, 'account', account],
    install: 'install libsecret-tools (apt-get install libsecret-tools, dnf install libsecret)',
  },
  darwin: {
    command: 'security',
    args: (service, account) => ['find-generic-password', '-s', service, '-a', account, '-w'],
    install: 'it ships with macOS in /usr/bin',
  },
};

/** The keychain tool of `platform`, or undefined where boulder has none. */
export function keychainTool(platform: NodeJS.Platform): KeychainTool | undefined {
  return TOOLS[platform];
}

/** Where `command` is found on the PATH of `env`, or undefined. */
export async function findExecutable(command: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, command);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Options of readKeychainSecret: the platform and the environment whose PATH finds the tool. */
export interface KeychainOptions {
  platform?: NodeJS.Platform;
  env?: NodeJS.ProcessEnv;
  /** How long the tool may take (it may wait for the keychain to be unlocked). Default 30 s. */
  timeoutMs?: number;
}

/**
 * The secret stored under `service`/`account` (one trailing newline dropped). Throws a BoulderError
 * with code Unavailable when the platform has no keychain tool or it is not on PATH, and NotFound
 * when the keychain has no such item. Messages name the item, never a value.
 */
export async function readKeychainSecret(service: string, account: string, options: KeychainOptions = {}): Promise<string> {
  const platform = options.platform ?? process.platform;
  const env = options.env ?? process.env;
  const item = `keychain:${service}/${account}`;
  const tool = keychainTool(platform);
  if (tool === undefined) throw new BoulderError('Unavailable', `${item}: no keychain support on ${platform}; use env: or file: instead`);
  const path = await findExecutable(tool.command, env);
  if (path === undefined) throw new BoulderError('Unavailable', `${item}: ${tool.command} is not on PATH; ${tool.install}, or use env: or file: instead`);
  const { code, stdout, stderr } = await run(path, tool.args(service, account), env, options.timeoutMs ?? 30_000);
  if (code !== 0 || stdout === '') {
    const detail = stderr.trim().split('\n')[0] ?? '';
    throw new NotFoundError(`${item}: not found in the keychain (${tool.command} exited ${code}${detail === '' ? '' : `: ${detail}`})`);
  }
  return stdout.replace(/\r?\n$/, '');
}

function run(path: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(path, args, { env, timeout: timeoutMs, encoding: 'utf8', maxBuffer: 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

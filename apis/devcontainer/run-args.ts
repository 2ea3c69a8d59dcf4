/**
 * `runArgs` (extra `docker run` arguments) where they map: `--cpus` → resources.cpu, `--memory` /
 * `-m` → resources.memory, `-e` / `--env` → env (a bare `-e NAME` passes the host's variable: a
 * secret). Every other option is listed as not mapped, with its value, and why.
 */
import type { EnvCollector } from './env.ts';
import { cpuQuantity, dockerSizeToQuantity } from './quantity.ts';
import type { UnmappedItem } from './types.ts';

/** `docker run` options that take a value (so the value is not mistaken for an option). */
const TAKES_VALUE = new Set([
  '--cpus', '--memory', '-m', '-e', '--env', '--env-file', '--cap-add', '--cap-drop', '--security-opt', '--device', '--gpus',
  '-v', '--volume', '--mount', '--tmpfs', '-p', '--publish', '--network', '--net', '--add-host', '--dns', '--hostname', '-h',
  '-u', '--user', '-w', '--workdir', '--name', '--label', '-l', '--shm-size', '--ulimit', '--ipc', '--pid', '--platform',
  '--runtime', '--entrypoint', '--memory-swap', '--memory-reservation', '--cpu-shares', '-c', '--cpuset-cpus', '--storage-opt',
  '--userns', '--uts', '--log-driver', '--log-opt', '--restart', '--stop-signal', '--group-add', '--sysctl', '--pids-limit',
]);

const REASONS: [readonly string[], string][] = [
  [['--cap-add', '--cap-drop', '--privileged', '--security-opt', '--device', '--gpus', '--userns', '--sysctl'], 'container privileges and devices are not configurable in a Workspace'],
  [['-v', '--volume', '--mount', '--tmpfs'], 'extra mounts are not supported; the worktree is mounted at /workspace'],
  [['-p', '--publish', '-P', '--publish-all'], 'publish ports with forwardPorts (they map to ports)'],
  [['--network', '--net', '--add-host', '--dns', '--hostname', '-h'], 'boulder manages the workspace network (services are reachable by name)'],
  [['--env-file'], 'list the file under env_files in .nexus/config.yaml (relative to the repository root)'],
  [['-u', '--user'], "the workspace runs as the image's user"],
];

function reasonFor(flag: string): string {
  return REASONS.find(([flags]) => flags.includes(flag))?.[1] ?? 'a docker run option with no equivalent in a Workspace';
}

/** What runArgs map to. */
export interface RunArgsResult {
  cpu?: string;
  memory?: string;
  unmapped: UnmappedItem[];
}

/** Maps `runArgs`, adding `-e` settings to `env` (see the module comment). */
export function mapRunArgs(value: unknown, env: EnvCollector): RunArgsResult {
  const result: RunArgsResult = { unmapped: [] };
  if (!Array.isArray(value) || !value.every((arg) => typeof arg === 'string')) {
    result.unmapped.push({ key: 'runArgs', reason: 'must be an array of strings' });
    return result;
  }
  const args = value as string[];
  for (let i = 0; i < args.length; i++) {
    const token = args[i] as string;
    const eq = token.indexOf('=');
    const flag = token.startsWith('-') && eq > 0 ? token.slice(0, eq) : token;
    let optionValue: string | undefined = token.startsWith('-') && eq > 0 ? token.slice(eq + 1) : undefined;
    const start = i;
    if (optionValue === undefined && TAKES_VALUE.has(flag) && i + 1 < args.length) optionValue = args[++i];
    const shown = `runArgs[${start}] (${optionValue === undefined ? flag : `${flag}${eq > 0 ? '=' : ' '}${optionValue}`})`;
    if (flag === '--cpus' && optionValue !== undefined && cpuQuantity(optionValue) !== undefined) {
      result.cpu = cpuQuantity(optionValue);
    } else if ((flag === '--memory' || flag === '-m') && optionValue !== undefined && dockerSizeToQuantity(optionValue) !== undefined) {
      result.memory = dockerSizeToQuantity(optionValue);
    } else if ((flag === '-e' || flag === '--env') && optionValue !== undefined) {
      const at = optionValue.indexOf('=');
      if (at < 0) env.add(shown, optionValue, `\${localEnv:${optionValue}}`);
      else env.add(shown, optionValue.slice(0, at), optionValue.slice(at + 1));
    } else if (['--cpus', '--memory', '-m', '-e', '--env'].includes(flag)) {
      result.unmapped.push({ key: shown, reason: optionValue === undefined ? 'has no value' : `${JSON.stringify(optionValue)} is not a value boulder understands here` });
    } else {
      result.unmapped.push({ key: shown, reason: reasonFor(flag) });
    }
  }
  return result;
}

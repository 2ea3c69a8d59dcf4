/**
 * `boulder` entry point: a tiny dispatcher. It imports nothing heavy at top level; each command
 * module (and what it needs: the store, yaml, the controller runtime) is loaded on demand, so
 * `boulder --version` starts about as fast as Node itself.
 */
import { packageVersion } from '../apis/package-root.ts';
import type { CliOverrides } from './command.ts';

/** Runs the CLI with `argv` (without node and script) and resolves to the exit code. */
export async function runCli(argv: readonly string[], overrides: CliOverrides = {}): Promise<number> {
  const stdout = overrides.stdout ?? process.stdout;
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === 'version')) {
    stdout.write(`boulder v${packageVersion()}\n`);
    return 0;
  }
  const stderr = overrides.stderr ?? process.stderr;
  const env = overrides.env ?? process.env;
  const started = performance.now();
  let friction: { command: string; stateDir: string; cwd: string } | undefined;
  const [{ splitCommand, parseCommandArgs, CONTEXT_NAMESPACE }, registry, { reportError }, { renderCommandHelp, renderMainHelp }] =
    await Promise.all([import('./args.ts'), import('./registry.ts'), import('./report-error.ts'), import('./help.ts')]);
  try {
    const { command: name, rest } = splitCommand(argv);
    if (name === undefined) {
      if (rest.includes('--version')) {
        stdout.write(`boulder v${packageVersion()}\n`);
        return 0;
      }
      const help = renderMainHelp(await registry.loadAllCommands());
      if (rest.length === 0 || rest.includes('--help') || rest.includes('-h')) {
        stdout.write(help);
        return 0;
      }
      parseCommandArgs('boulder', {}, rest);
      stderr.write(`error: no command given\n${help}`);
      return 2;
    }
    if (name === 'help') {
      const target = rest.find((a) => !a.startsWith('-'));
      const command = target === undefined ? undefined : await registry.loadCommand(target);
      stdout.write(command === undefined ? renderMainHelp(await registry.loadAllCommands()) : renderCommandHelp(command));
      return 0;
    }
    const command = await registry.loadCommand(name);
    if (command === undefined) {
      const { UsageError } = await import('./cli-error.ts');
      throw new UsageError(`unknown command "${name}" for "boulder"`);
    }
    const input = parseCommandArgs(name, command.options, rest);
    if (input.values['help'] === true) {
      stdout.write(renderCommandHelp(command));
      return 0;
    }
    const { createProcessContext, kubeContextNamespace } = await import('./deps.ts');
    const { deps, kubernetes } = await createProcessContext({
      command: command.name,
      stateDirFlag: input.values['state-dir'],
      storeFlag: input.values.store,
      kubeconfigFlag: input.values.kubeconfig,
      contextFlag: input.values.context,
      env,
      overrides,
    });
    if (kubernetes !== undefined) {
      // A cluster the configuration selected reaches the commands as if given with the flags.
      if (kubernetes.kubeconfig !== undefined) input.values['kubeconfig'] ??= kubernetes.kubeconfig;
      if (kubernetes.context !== undefined) input.values['context'] ??= kubernetes.context;
      // kubectl's rule: without --namespace, the kubeconfig context's namespace (else `default`) —
      // a default, not an explicit -n: a manifest's own namespace still wins (see CONTEXT_NAMESPACE).
      if (input.values['namespace'] === undefined) input.values[CONTEXT_NAMESPACE] = await kubeContextNamespace(kubernetes);
    }
    friction = { command: command.name, stateDir: deps.stateDir, cwd: deps.cwd };
    const code = await command.run(deps, input);
    await recordFriction(friction, env, started, code, undefined);
    return code;
  } catch (err) {
    const code = reportError(err, stderr, env);
    if (friction !== undefined) await recordFriction(friction, env, started, code, err);
    return code;
  }
}

/** Appends the command's friction event when telemetry is on (cmd/telemetry/events.ts); never throws. */
async function recordFriction(friction: { command: string; stateDir: string; cwd: string }, env: NodeJS.ProcessEnv, started: number, exitCode: number, err: unknown): Promise<void> {
  if (friction.command === 'telemetry') return;
  try {
    const [{ telemetrySettings, appendEvent }, { homeOfEnv }] = await Promise.all([import('./telemetry/events.ts'), import('../apis/config/daemon-config.ts')]);
    const settings = await telemetrySettings(env, friction.cwd, homeOfEnv(env));
    if (!settings.enabled) return;
    const code = (err as { code?: unknown } | undefined)?.code;
    const errorCode = typeof code === 'string' ? code : err instanceof Error ? err.name : undefined;
    appendEvent(friction.stateDir, {
      kind: 'command',
      command: friction.command,
      duration_ms: performance.now() - started,
      exit_code: exitCode,
      ...(errorCode !== undefined ? { error_code: errorCode } : {}),
      boulder_version: packageVersion(),
      shared: settings.share,
    });
  } catch {
    // Friction data is best effort.
  }
}

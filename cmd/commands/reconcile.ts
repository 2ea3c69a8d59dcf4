/**
 * `boulder reconcile --once`: converges every object in-process (no daemon) and exits; for
 * scripts and CI. Exits non-zero when some object still fails to reconcile.
 */

import { CliError, UsageError } from '../cli-error.ts';
import { defineCommand } from '../command.ts';
import { daemonPathsOf } from '../daemon/paths.ts';
import { daemonStatus } from '../daemon/protocol.ts';
import { durationFlag } from '../duration.ts';
import { ExitCode } from '../exit-codes.ts';
import { ReconcileTracker } from '../reconcile-tracker.ts';

/** Default `--timeout` of `reconcile --once`. */
export const RECONCILE_TIMEOUT_MS = 300_000;

const command = defineCommand({
  name: 'reconcile',
  summary: 'Converge every object once, in-process, and exit',
  usage: ['reconcile --once [--timeout DURATION] [-v]'],
  description: [
    'Runs the controllers until nothing is left to do (requeues for later are not waited for).',
    'Exit codes: 0 all converged, 1 some objects still fail, 6 the timeout passed first.',
  ].join('\n'),
  options: {
    once: { type: 'boolean', description: 'Reconcile until idle, then exit (required)' },
    timeout: { type: 'string', valueName: 'DURATION', description: 'Give up after this long (default 5m)' },
    verbose: { type: 'boolean', short: 'v', description: 'Write the controllers\' JSON logs to stderr' },
  },
  async run(deps, { values, positionals }) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, 'reconcile');
    if (values.once !== true) throw new UsageError('only --once is supported; run `boulder daemon` to reconcile continuously', 'reconcile');
    const timeoutMs = durationFlag(values.timeout, RECONCILE_TIMEOUT_MS, 'timeout', 'reconcile');
    const running = await daemonStatus(daemonPathsOf(deps).socket, 500);
    if (running !== undefined) deps.stderr.write(`warning: a daemon (pid ${running.pid}) also reconciles ${deps.stateDir}\n`);

    const [{ pino }, { Manager }, { realClock }, { registerControllers }, { trustForStore }] = await Promise.all([
      import('pino'),
      import('../../controllers/runtime/manager.ts'),
      import('../../controllers/runtime/clock.ts'),
      import('../../controllers/setup.ts'),
      import('../../controllers/trust/policy.ts'),
    ]);
    const tracker = new ReconcileTracker(values.verbose === true ? (line) => deps.stderr.write(line) : undefined);
    const logger = pino({ level: 'info', base: { role: 'reconcile-once' }, timestamp: pino.stdTimeFunctions.isoTime }, tracker);
    const client = await deps.openClient();
    const started = deps.clock.now().getTime();
    try {
      const manager = new Manager({ client, clock: realClock, logger });
      const { configuredControllerSettings, providerCluster } = await import('../daemon/controller-settings.ts');
      const { portRange, exposure, kubernetes, sprite } = await configuredControllerSettings(deps, (message) => deps.stderr.write(`warning: ${message}\n`));
      const cluster = providerCluster(deps, values, kubernetes);
      registerControllers(manager, { client, clock: realClock, logger, stateDir: deps.stateDir, trust: trustForStore(deps.storeKind), ...(cluster ? { kubernetes: cluster } : {}), ...(sprite ? { sprite } : {}), ...(portRange ? { portRange } : {}), ...(exposure ? { exposure } : {}) });
      await manager.runUntilIdle({ timeoutMs });
    } finally {
      await client.close();
    }
    const seconds = ((deps.clock.now().getTime() - started) / 1000).toFixed(2);
    const failing = tracker.failing();
    deps.stdout.write(
      `reconciled ${tracker.keys()} object${tracker.keys() === 1 ? '' : 's'} (${tracker.reconciles()} reconciles) in ${seconds}s; ${failing.length} failing\n`,
    );
    for (const f of failing) deps.stderr.write(`error: ${f.kind} ${f.key}: ${f.error ?? f.outcome}\n`);
    if (failing.length > 0) throw new CliError(`${failing.length} object${failing.length === 1 ? '' : 's'} failed to reconcile`, ExitCode.Error);
    return ExitCode.Ok;
  },
});

export default command;

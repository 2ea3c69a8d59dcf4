/**
 * `boulder telemetry status|show|export|purge`: the friction events of the state dir
 * (cmd/telemetry/events.ts). Local first: `export` prints the events marked shared
 * (`preferences.telemetry.share_friction_data`), and sends them only to the URL given with
 * `--to` (an HTTP POST of `{ "events": [...] }`); nothing else ever leaves the machine.
 */

import { CliError, UsageError } from '../cli-error.ts';
import { defineCommand } from '../command.ts';
import { ExitCode } from '../exit-codes.ts';

const command = defineCommand({
  name: 'telemetry',
  summary: 'Friction events recorded locally (opt-in): status, show, export, purge',
  usage: ['telemetry status', 'telemetry show', 'telemetry export [--to URL]', 'telemetry purge'],
  description: [
    'With preferences.telemetry.enabled: true in the user configuration (default off; DO_NOT_TRACK=1 or',
    'NEXUS_TELEMETRY=0 always turns it off), boulder appends one event per command and per reconcile',
    'failure to <state dir>/telemetry/events.jsonl (0600): kind, command name, duration, exit code, stable',
    'error code, backend, boulder version — never arguments, paths, names, environment or secrets.',
    'share_friction_data: true marks events as shareable; export prints them, and sends them only with',
    '--to URL. purge deletes the file.',
  ].join('\n'),
  options: {
    to: { type: 'string', valueName: 'URL', description: 'export: POST the shared events to this http(s) URL' },
  },
  async run(deps, { values, positionals }) {
    const [sub, ...rest] = positionals;
    if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`, 'telemetry');
    const events = await import('../telemetry/events.ts');
    if (sub === 'status') {
      const { homeOfEnv } = await import('../../apis/config/daemon-config.ts');
      const settings = await events.telemetrySettings(deps.env, deps.cwd, homeOfEnv(deps.env));
      const list = events.readEvents(deps.stateDir);
      deps.stdout.write(
        `friction collection: ${settings.enabled ? 'on' : 'off'} (decided by ${settings.source})\n` +
          `share_friction_data: ${settings.share ? 'on' : 'off'}\n` +
          `events: ${list.length} recorded, ${list.filter((e) => e.shared).length} marked shared, in ${events.eventsPath(deps.stateDir)}\n`,
      );
      return ExitCode.Ok;
    }
    if (sub === 'show') {
      for (const event of events.readEvents(deps.stateDir)) deps.stdout.write(`${JSON.stringify(event)}\n`);
      return ExitCode.Ok;
    }
    if (sub === 'export') {
      const shared = events.readEvents(deps.stateDir).filter((e) => e.shared).map((e) => events.sanitizeEvent(e));
      const to = values.to;
      if (to === undefined) {
        deps.stdout.write(`${JSON.stringify({ events: shared }, null, 2)}\n`);
        return ExitCode.Ok;
      }
      let url: URL;
      try {
        url = new URL(to);
      } catch {
        throw new UsageError('--to must be an http(s) URL', 'telemetry export');
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError('--to must be an http(s) URL', 'telemetry export');
      if (shared.length === 0) {
        deps.stderr.write('no events are marked shared (preferences.telemetry.share_friction_data): nothing sent\n');
        return ExitCode.Ok;
      }
      let response: Response;
      try {
        response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ events: shared }), redirect: 'error', signal: AbortSignal.timeout(15_000) });
      } catch (err) {
        throw new CliError(`export to ${url.origin} failed: ${(err as Error).message}`, ExitCode.Unavailable);
      }
      if (!response.ok) throw new CliError(`export to ${url.origin} failed: HTTP ${response.status}`, ExitCode.Unavailable);
      deps.stdout.write(`${shared.length} event(s) sent to ${url.origin}\n`);
      return ExitCode.Ok;
    }
    if (sub === 'purge') {
      events.purgeEvents(deps.stateDir);
      deps.stdout.write('friction events purged\n');
      return ExitCode.Ok;
    }
    throw new UsageError(sub === undefined ? 'name a subcommand: status, show, export or purge' : `unknown telemetry subcommand "${sub}"`, 'telemetry');
  },
});

export default command;

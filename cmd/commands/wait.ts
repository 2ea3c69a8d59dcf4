/**
 * `boulder wait`: blocks until objects meet a condition (`--for=condition=Ready`) or are deleted
 * (`--for=delete`), following the store's watch; exits 6 on timeout.
 */
import type { KindInfo } from '../../apis/kinds.ts';

import { UsageError } from '../cli-error.ts';
import { defineCommand } from '../command.ts';
import { durationFlag } from '../duration.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import { namespaceOf, parseResourceArgs } from '../resources.ts';
import type { WaitTarget } from '../wait-for.ts';
import { reportWait } from '../progress/report-wait.ts';

/** Default `--timeout` of `boulder wait` (kubectl's). */
export const DEFAULT_WAIT_TIMEOUT_MS = 30_000;

const command = defineCommand({
  name: 'wait',
  summary: 'Wait until objects meet a condition or are deleted',
  usage: ['wait KIND NAME... --for=condition=Ready[=True|False] [--timeout 30s]', 'wait KIND/NAME... --for=delete [--timeout 30s]'],
  description: [
    'Follows changes through the store\'s watch. Exits 0 once every object meets the condition,',
    '6 when the timeout passes first, 4 when an object to wait on does not exist, 1 as soon as',
    'an object reports a terminal failure (Stalled=True) for its current generation.',
    'Warns when no daemon runs for the state dir (nothing would act on the objects).',
    'A condition counts only once observed for the object\'s current generation.',
  ].join('\n'),
  options: {
    for: { type: 'string', valueName: 'CONDITION', description: 'condition=NAME[=True|False|Unknown] or delete', choices: ['condition=Ready', 'delete'] },
    timeout: { type: 'string', valueName: 'DURATION', description: 'How long to wait, e.g. 30s, 2m (default 30s)' },
  },
  async run(deps, { values, positionals }) {
    const forText = values.for;
    if (forText === undefined) throw new UsageError('--for is required (condition=Ready or delete)', 'wait');
    const { parseWaitTarget, waitForObjects } = await import('../wait-for.ts');
    const target: WaitTarget | undefined = parseWaitTarget(forText);
    if (target === undefined) throw new UsageError(`invalid --for "${forText}": use condition=NAME[=True|False|Unknown] or delete`, 'wait');
    if (values['all-namespaces'] === true) throw new UsageError('wait needs named objects in one namespace; -A is not supported', 'wait');
    const { refs } = parseResourceArgs(positionals, 'wait');
    if (refs.length === 0) throw new UsageError('name at least one object to wait for', 'wait');
    const timeoutMs = durationFlag(values.timeout, DEFAULT_WAIT_TIMEOUT_MS, 'timeout', 'wait');
    const deadline = Date.now() + timeoutMs;
    const namespace = namespaceOf(values);
    const byKind = new Map<KindInfo, string[]>();
    for (const ref of refs) byKind.set(ref.kind, [...(byKind.get(ref.kind) ?? []), ref.name]);

    const client = await deps.openClient();
    const { watchDaemon } = await import('../daemon/liveness.ts');
    const daemon = watchDaemon(deps);
    let failed: ExitCodeValue | undefined;
    try {
      for (const [kind, names] of byKind) {
        const result = await waitForObjects(client, kind, namespace, names, target, { timeoutMs: deadline - Date.now(), signal: deps.interruptSignal() });
        failed ??= reportWait(deps, kind, result, forText);
      }
    } finally {
      await daemon.stop();
      await client.close();
    }
    return failed ?? ExitCode.Ok;
  },
});

export default command;

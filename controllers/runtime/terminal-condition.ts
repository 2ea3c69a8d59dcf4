/**
 * The default reaction to a TerminalError: record it on the object as `Ready=False` and
 * `Stalled=True` with the error's reason and message, so users see it, a waiting client stops
 * waiting (apis/terminal.ts), and nothing retries until the object changes.
 */
import { isErrorCode } from '../../apis/errors.ts';
import type { KindName } from '../../apis/kinds.ts';
import type { CommonStatus, KubeObject } from '../../apis/meta.ts';
import type { ResourceClient } from '../../apis/client/types.ts';
import { conditionsEqual } from './conditions.ts';
import type { TerminalError } from './errors.ts';
import { withStalled } from './stalled.ts';

/** How many times the status write is retried after a Conflict. */
const MAX_CONFLICT_RETRIES = 10;
/** Longest condition message the schema accepts. */
const MAX_MESSAGE_LENGTH = 32_768;

/**
 * Sets `Ready=False` and `Stalled=True` (reason and message from `error`, observedGeneration =
 * metadata.generation)
 * on the object through the status subresource, re-reading and retrying on Conflict. Does nothing
 * when the object is gone or already carries exactly that condition.
 */
export async function recordTerminalCondition(
  client: ResourceClient,
  kind: KindName,
  request: { namespace: string; name: string },
  error: TerminalError,
  now: () => Date,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    let obj: KubeObject<unknown, CommonStatus>;
    try {
      obj = await client.get<KubeObject<unknown, CommonStatus>>(kind, request.namespace, request.name);
    } catch (err) {
      if (isErrorCode(err, 'NotFound')) return;
      throw err;
    }
    const status: CommonStatus = obj.status ?? {};
    const failure = {
      reason: error.reason,
      message: error.message.slice(0, MAX_MESSAGE_LENGTH),
      ...(obj.metadata.generation !== undefined ? { observedGeneration: obj.metadata.generation } : {}),
    };
    const conditions = withStalled(status.conditions, failure, now());
    if (conditionsEqual(status.conditions, conditions)) return;
    try {
      await client.updateStatus({ ...obj, status: { ...status, conditions } });
      return;
    } catch (err) {
      if (isErrorCode(err, 'NotFound')) return;
      if (!isErrorCode(err, 'Conflict') || attempt >= MAX_CONFLICT_RETRIES) throw err;
    }
  }
}

/**
 * The `--wait`/`--timeout`/`--no-daemon` flags shared by the commands that change a workspace and
 * may wait for it (`up`, `workspace create|start|stop|pause|up`).
 */
import { defineOptions } from '../command.ts';

/** Default `--timeout` of `--wait` for lifecycle changes (starting may pull an image). */
export const LIFECYCLE_WAIT_TIMEOUT_MS = 300_000;

/** Options shared by the commands that change a workspace and may wait for it. */
export const WAIT_OPTIONS = defineOptions({
  wait: { type: 'boolean', description: 'Wait until the workspace is Ready, showing its conditions' },
  timeout: { type: 'string', valueName: 'DURATION', description: 'How long --wait waits (default 5m)' },
  'no-daemon': { type: 'boolean', description: 'Do not start a background daemon' },
});

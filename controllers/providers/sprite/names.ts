/**
 * The deterministic name and the labels of a workspace's Sprite (pure). The name is derived from
 * namespace, name and uid (`nexus-<name>-<hash>`), so the provider finds the Sprite by name, and
 * a workspace deleted and re-created with the same name gets a new Sprite. Labels travel as
 * `key=value` strings (the API's label list); boulder also records there what it did to the Sprite
 * that the API cannot tell (paused or stopped by boulder, the checkpoint of the pause, the hash of
 * the environment written into it).
 */
import { createHash } from 'node:crypto';
import { shorten } from '../kubernetes/names.ts';
import { runtimeLabels, type RuntimeState, type RuntimeTarget } from '../types.ts';
import { STATE_KEY } from '../../../apis/names/index.ts';

/** Longest Sprite name boulder uses (a DNS label: the name is part of the Sprite's URL host). */
const MAX_NAME = 63;

/** The Sprite name of `target`. */
export function spriteName(target: RuntimeTarget): string {
  const hash = createHash('sha256').update(`${target.namespace}/${target.name}/${target.uid}`).digest('hex').slice(0, 8);
  const stem = shorten(`nexus-${target.name}`.toLowerCase().replaceAll(/[^a-z0-9-]/g, '-'), MAX_NAME - 9);
  return `${stem}-${hash}`;
}

/** Labels as a map, from the API's list of `key=value` strings (or a map). */
export function readLabels(labels: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(labels)) {
    for (const item of labels) {
      if (typeof item !== 'string') continue;
      const at = item.indexOf('=');
      if (at > 0) out[item.slice(0, at)] = item.slice(at + 1);
      else out[item] = '';
    }
  } else if (typeof labels === 'object' && labels !== null) {
    for (const [k, v] of Object.entries(labels)) if (typeof v === 'string') out[k] = v;
  }
  return out;
}

/** The API's label list of a map, sorted (so equal maps give equal lists). */
export function labelList(labels: Record<string, string>): string[] {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .sort();
}

/** The labels every Sprite of `target` carries. */
export function spriteLabels(target: RuntimeTarget): Record<string, string> {
  return runtimeLabels(target);
}

/** The lifecycle state recorded on a Sprite (Running when boulder recorded none). */
export function recordedState(labels: Record<string, string>): RuntimeState {
  const state = labels[STATE_KEY];
  return state === 'Paused' || state === 'Stopped' ? state : 'Running';
}

/** Hash of what `ensure` writes into a Sprite (environment, folder); never the values themselves. */
export function setupHash(target: RuntimeTarget, env: Record<string, string>, workdir: string): string {
  const sorted = Object.keys(env)
    .sort()
    .map((k) => [k, env[k]]);
  return createHash('sha256').update(JSON.stringify([target.uid, workdir, sorted])).digest('hex').slice(0, 16);
}

/**
 * What `--wait` progress shows, as pure functions of the objects being waited on: one line per
 * condition type (Ready last) with a mark, the plain-text change lines printed when output is not
 * a terminal, the redrawn block printed when it is, and the final line (Ready, or why not).
 */
import type { Condition, ConditionStatus, KubeObject } from '../../apis/meta.ts';
import { terminalFailureOf } from '../../apis/terminal.ts';
import { conditionsOf } from '../print/fields.ts';
import { READY, STALLED } from '../../apis/names/index.ts';

/** How a condition line is marked: met (✓), not yet known (…) or currently failing (✗). */
export type Mark = 'done' | 'pending' | 'failed';

/** One condition of an object, as progress shows it. */
export interface ConditionLine {
  type: string;
  mark: Mark;
  /** The condition's status for the current generation; undefined while missing or stale. */
  status?: ConditionStatus;
  reason?: string;
  message?: string;
}

/** Where the wait on one object stands. */
export type Outcome = 'waiting' | 'ready' | 'notFound' | 'deleted' | 'timedOut' | 'failed';

/** One object being waited on. */
export interface ObjectProgress {
  /** `workspace/NAME`: how lines name the object. */
  label: string;
  /** Latest version seen; undefined before the first read or when missing. */
  object?: KubeObject;
  outcome: Outcome;
}


const SYMBOLS: Record<Mark, string> = { done: '✓', pending: '…', failed: '✗' };

const OUTCOME_TEXT: Record<Exclude<Outcome, 'ready' | 'waiting'>, string> = { timedOut: 'timed out', notFound: 'not found', deleted: 'deleted', failed: 'failed' };

/** True when `condition` describes an older spec than `obj`'s current generation. */
function isStale(obj: KubeObject, condition: Condition): boolean {
  const generation = obj.metadata.generation;
  return condition.observedGeneration !== undefined && generation !== undefined && condition.observedGeneration < generation;
}

function lineOf(obj: KubeObject, condition: Condition): ConditionLine {
  if (isStale(obj, condition)) return { type: condition.type, mark: 'pending' };
  const mark: Mark = condition.status === 'True' ? 'done' : condition.status === 'False' ? 'failed' : 'pending';
  return { type: condition.type, mark, status: condition.status, reason: condition.reason, message: condition.message };
}

/**
 * The condition lines of an object: every condition type it reports, in its order, then Ready
 * (pending when not reported yet). Conditions observed for an older generation count as pending.
 * Stalled is left out: it repeats Ready's failure, and the final line says the wait ended on it.
 */
export function conditionLines(obj: KubeObject | undefined): ConditionLine[] {
  const conditions = obj === undefined ? [] : conditionsOf(obj).filter((c) => c.type !== STALLED);
  const lines = conditions.filter((c) => c.type !== READY).map((c) => lineOf(obj as KubeObject, c));
  const ready = conditions.find((c) => c.type === READY);
  lines.push(ready === undefined || obj === undefined ? { type: READY, mark: 'pending' } : lineOf(obj, ready));
  return lines;
}

/** `ContainerReady=True (Running)`, with the message when the condition is not True. */
export function describeCondition(line: ConditionLine): string {
  const base = `${line.type}=${line.status ?? 'Unknown'}`;
  const reason = line.reason === undefined || line.reason === '' ? '' : ` (${line.reason})`;
  const message = line.status !== 'True' && line.message !== undefined && line.message !== '' ? `: ${line.message}` : '';
  return `${base}${reason}${message}`;
}

function sameLine(a: ConditionLine | undefined, b: ConditionLine): boolean {
  return a !== undefined && a.status === b.status && a.reason === b.reason && a.message === b.message;
}

/**
 * Plain-text lines for what changed between two observations of one object: one line per
 * condition whose status, reason or message changed for the current generation. Ready=True is left
 * to the final line; conditions that are missing or stale print nothing.
 */
export function changeLines(label: string, before: readonly ConditionLine[], after: readonly ConditionLine[]): string[] {
  const previous = new Map(before.map((l) => [l.type, l]));
  return after
    .filter((line) => line.status !== undefined && !(line.type === READY && line.status === 'True'))
    .filter((line) => !sameLine(previous.get(line.type), line))
    .map((line) => `${label}: ${describeCondition(line)}`);
}

/** Why an object is not Ready: the first failing condition, else Ready's own reason, else what is missing. */
export function notReadyReason(obj: KubeObject | undefined): string {
  if (obj === undefined) return 'not found';
  const lines = conditionLines(obj);
  const failing = lines.find((l) => l.type !== READY && l.mark === 'failed');
  if (failing !== undefined) return describeCondition(failing);
  const ready = lines[lines.length - 1] as ConditionLine;
  if (ready.status !== undefined) return describeCondition(ready);
  if (conditionsOf(obj).length === 0) return 'no status reported yet (is a daemon running? see `boulder daemon status`)';
  return `status not yet updated for generation ${obj.metadata.generation ?? '?'}`;
}

/** Seconds with one decimal: `2.4s`. */
export function formatSeconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)}s`;
}

/** The final line of one object: `workspace/demo: Ready (2.4s)` or why it is not. */
export function finalLine(progress: ObjectProgress, elapsedMs: number): string {
  switch (progress.outcome) {
    case 'ready':
      return `${progress.label}: Ready (${formatSeconds(elapsedMs)})`;
    case 'notFound':
      return `${progress.label}: not found`;
    case 'deleted':
      return `${progress.label}: deleted while waiting`;
    case 'failed': {
      const failure = progress.object === undefined ? undefined : terminalFailureOf(progress.object);
      return `${progress.label}: failed after ${formatSeconds(elapsedMs)}: ${failure === undefined ? notReadyReason(progress.object) : `${failure.reason}: ${failure.message}`}`;
    }
    default:
      return `${progress.label}: not Ready after ${formatSeconds(elapsedMs)}: ${notReadyReason(progress.object)}`;
  }
}

/** Cuts `text` to `width` columns (an ellipsis marks the cut); no limit when width is undefined. */
export function fitWidth(text: string, width: number | undefined): string {
  if (width === undefined || width <= 1 || [...text].length <= width) return text;
  return `${[...text].slice(0, width - 1).join('')}…`;
}

/**
 * The terminal block: per object a header line, then one line per condition with its mark,
 * type (padded), and reason/message. Each line is cut to `width` so redrawing never wraps.
 */
export function renderBlock(objects: readonly ObjectProgress[], width?: number): string[] {
  const out: string[] = [];
  for (const progress of objects) {
    const lines = conditionLines(progress.object);
    const typeWidth = Math.max(...lines.map((l) => l.type.length));
    const state = progress.outcome === 'ready' ? ' Ready' : progress.outcome === 'waiting' ? '' : ` ${OUTCOME_TEXT[progress.outcome]}`;
    out.push(fitWidth(`${progress.label}${state}`, width));
    for (const line of lines) {
      const detail = [line.reason, line.status === 'True' ? undefined : line.message].filter((p) => p !== undefined && p !== '').join(': ');
      out.push(fitWidth(`  ${SYMBOLS[line.mark]} ${line.type.padEnd(typeWidth)}  ${detail}`.trimEnd(), width));
    }
  }
  return out;
}

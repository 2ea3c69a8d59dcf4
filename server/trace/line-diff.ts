/**
 * A line diff (Myers' O(ND) algorithm on the lines left after trimming the common prefix and
 * suffix): what an edit changed, as hunks of old and new line numbers. Used to turn a file write
 * into Agent Trace ranges; pure and synchronous.
 */

/** One changed region: `oldCount` lines from `oldStart` replaced by `newCount` lines from `newStart` (1-indexed; a count may be 0). */
export interface Hunk {
  oldStart: number;
  oldCount: number;
  newStart: number;
  newCount: number;
}

/** Most edit distance explored before the diff gives up and reports the middle as one replaced block. */
export const MAX_EDIT_DISTANCE = 4000;

/** Splits text into lines (a final newline does not start another line; '' has no lines). */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** The hunks that turn `before` into `after`, in order. */
export function diffLines(before: readonly string[], after: readonly string[]): Hunk[] {
  let prefix = 0;
  const minLength = Math.min(before.length, after.length);
  while (prefix < minLength && before[prefix] === after[prefix]) prefix++;
  let suffix = 0;
  while (suffix < minLength - prefix && before[before.length - 1 - suffix] === after[after.length - 1 - suffix]) suffix++;
  const a = before.slice(prefix, before.length - suffix);
  const b = after.slice(prefix, after.length - suffix);
  if (a.length === 0 && b.length === 0) return [];
  const pairs = a.length === 0 || b.length === 0 ? [] : commonPairs(a, b);
  const hunks: Hunk[] = [];
  let i = 0;
  let j = 0;
  for (const [x, y] of [...pairs, [a.length, b.length] as [number, number]]) {
    if (x > i || y > j) hunks.push({ oldStart: prefix + i + 1, oldCount: x - i, newStart: prefix + j + 1, newCount: y - j });
    i = x + 1;
    j = y + 1;
  }
  return hunks;
}

/**
 * The matched (equal) line pairs of a and b, in order (Myers' greedy forward search with a trace
 * of V arrays, then backtracking). Past MAX_EDIT_DISTANCE: no pairs (one block replaced).
 */
function commonPairs(a: readonly string[], b: readonly string[]): Array<[number, number]> {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, MAX_EDIT_DISTANCE);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && (v[offset + k - 1] as number) < (v[offset + k + 1] as number)) ? (v[offset + k + 1] as number) : (v[offset + k - 1] as number) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
    if (found >= 0) break;
  }
  if (found < 0) return [];
  const pairs: Array<[number, number]> = [];
  let x = n;
  let y = m;
  for (let d = found; d > 0; d--) {
    const prev = trace[d] as Int32Array;
    const k = x - y;
    const prevK = k === -d || (k !== d && (prev[offset + k - 1] as number) < (prev[offset + k + 1] as number)) ? k + 1 : k - 1;
    const prevX = prev[offset + prevK] as number;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      x--;
      y--;
      pairs.push([x, y]);
    }
    x = prevX;
    y = prevY;
  }
  while (x > 0 && y > 0) {
    x--;
    y--;
    pairs.push([x, y]);
  }
  return pairs.reverse();
}

/**
 * Progress views for `--wait`: on a terminal a block of condition lines redrawn in place; otherwise
 * plain lines, one per change, that read well in logs and CI. Both end with one final line per
 * object (Ready, or why not).
 */
import type { TextOut } from '../command.ts';
import { changeLines, conditionLines, finalLine, renderBlock, type ConditionLine, type ObjectProgress } from './lines.ts';

/** A text sink that may know its terminal width (process.stderr does). */
export interface ProgressOut extends TextOut {
  columns?: number;
}

/** Receives the state of every waited-on object whenever one changes. */
export interface ProgressView {
  update(objects: readonly ObjectProgress[]): void;
  /** Shows the final state and one final line per object. */
  finish(objects: readonly ObjectProgress[], elapsedMs: number): void;
}

/** ANSI: move the cursor up `n` lines to column 0 and clear from there to the end of the screen. */
export function eraseLines(n: number): string {
  return n === 0 ? '' : `\x1b[${n}A\r\x1b[J`;
}

/** A block of condition lines redrawn in place (for terminals). */
export class LiveProgressView implements ProgressView {
  readonly #out: ProgressOut;
  #drawn: string[] = [];

  constructor(out: ProgressOut) {
    this.#out = out;
  }

  update(objects: readonly ObjectProgress[]): void {
    this.#draw(renderBlock(objects, this.#width()));
  }

  finish(objects: readonly ObjectProgress[], elapsedMs: number): void {
    this.#draw(renderBlock(objects, this.#width()));
    for (const progress of objects) this.#out.write(`${finalLine(progress, elapsedMs)}\n`);
  }

  #width(): number | undefined {
    return this.#out.columns === undefined ? undefined : this.#out.columns - 1;
  }

  #draw(lines: string[]): void {
    if (lines.length === this.#drawn.length && lines.every((l, i) => l === this.#drawn[i])) return;
    this.#out.write(`${eraseLines(this.#drawn.length)}${lines.map((l) => `${l}\n`).join('')}`);
    this.#drawn = lines;
  }
}

/** One line per condition change (for pipes, files and CI logs). */
export class PlainProgressView implements ProgressView {
  readonly #out: TextOut;
  readonly #seen = new Map<string, ConditionLine[]>();

  constructor(out: TextOut) {
    this.#out = out;
  }

  update(objects: readonly ObjectProgress[]): void {
    for (const progress of objects) {
      const lines = conditionLines(progress.object);
      for (const line of changeLines(progress.label, this.#seen.get(progress.label) ?? [], lines)) this.#out.write(`${line}\n`);
      this.#seen.set(progress.label, lines);
    }
  }

  finish(objects: readonly ObjectProgress[], elapsedMs: number): void {
    this.update(objects);
    for (const progress of objects) this.#out.write(`${finalLine(progress, elapsedMs)}\n`);
  }
}

/** The live view on a terminal, the plain one otherwise. */
export function createProgressView(out: ProgressOut): ProgressView {
  return out.isTTY === true ? new LiveProgressView(out) : new PlainProgressView(out);
}

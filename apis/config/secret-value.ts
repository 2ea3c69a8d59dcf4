/**
 * A secret's value wrapped so that it cannot be printed by accident: string conversion, JSON and
 * util.inspect all show `[secret]`. Only `reveal()` gives the text.
 */
import { inspect } from 'node:util';

/** What a SecretValue shows instead of its text. */
export const REDACTED = '[secret]';

/** A secret value; call reveal() only where the value must go (a 0600 file, a container's environment). */
export class SecretValue {
  readonly #text: string;

  constructor(text: string) {
    this.#text = text;
  }

  /** The secret text. */
  reveal(): string {
    return this.#text;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

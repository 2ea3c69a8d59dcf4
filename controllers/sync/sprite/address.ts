/**
 * SyncSession endpoint addresses of a directory in a Sprite: `sprite://<sprite>/<absolute path>`
 * (pure; the Sprites client is not loaded to parse or build one).
 */
import { BoulderError } from '../../../apis/errors.ts';

/** A directory in a Sprite. */
export interface SpritePath {
  sprite: string;
  /** Absolute path inside the Sprite (no trailing slash, `/` for the root). */
  path: string;
}

/** Scheme prefix of Sprite addresses. */
export const SPRITE_SCHEME = 'sprite://';

/** The address of `target`. */
export function formatSpriteAddress(target: SpritePath): string {
  return `${SPRITE_SCHEME}${target.sprite}${target.path === '/' ? '' : target.path}`;
}

/** Parses a `sprite://` address; undefined when `address` is not one; throws when malformed. */
export function parseSpriteAddress(address: string): SpritePath | undefined {
  if (!address.startsWith(SPRITE_SCHEME)) return undefined;
  const match = /^sprite:\/\/([a-z0-9][a-z0-9-]*)(\/.*)?$/.exec(address);
  if (match === null || (match[2] ?? '').split('/').some((part) => part === '..' || part === '.')) {
    throw new BoulderError('BadRequest', `"${address}" is not a Sprite address: expected sprite://<sprite>/<absolute path>`);
  }
  const rest = (match[2] ?? '').replace(/\/+$/, '');
  return { sprite: match[1]!, path: rest === '' ? '/' : rest };
}

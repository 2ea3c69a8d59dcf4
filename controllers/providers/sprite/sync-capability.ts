/**
 * The Sprite provider's sync capability (controllers/providers/sync-capability.ts): `sprite://`
 * endpoints, `sprite://<sprite>/<absolute path>`, a directory in a Sprite reached by exec through
 * the Sprites API with the provider's own client. The endpoint protocol is the sync engine's
 * (controllers/sync/sprite), loaded on first use.
 */
import { BoulderError } from '../../../apis/errors.ts';
import { parseSpriteAddress } from '../../sync/sprite/address.ts';
import type { SyncCapability } from '../sync-capability.ts';
import type { SpriteClient } from './client.ts';

/** The capability over `client`. */
export function spriteSyncCapability(client: SpriteClient): SyncCapability {
  return {
    schemes: ['sprite'],
    async open(address) {
      const target = parseSpriteAddress(address);
      if (target === undefined) throw new BoulderError('BadRequest', `"${address}" is not a Sprite address`);
      const { createSpriteEndpoint } = await import('../../sync/sprite/sprite-endpoint.ts');
      return createSpriteEndpoint({ client, sprite: target.sprite, path: target.path });
    },
  };
}

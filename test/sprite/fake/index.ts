// The local Sprites API for tests (issue 15, item 5): startFakeSprites starts an HTTP + WebSocket
// server on 127.0.0.1 that implements the documented Sprites endpoints and framing, running each
// Sprite's commands as real local processes in the Sprite's own directory. See README.md here.
import { startServer } from './server.ts';
import type { FakeSprites, FakeSpritesOptions } from './types.ts';

export type {
  FakeSpriteInfo,
  FakeSprites,
  FakeSpritesOptions,
  FaultController,
  FaultMatch,
  FiredFault,
  RequestRecord,
  SpriteStatus,
} from './types.ts';

/** Start a local Sprites API on 127.0.0.1 (an ephemeral port); close() stops it and its processes. */
export async function startFakeSprites(opts: FakeSpritesOptions = {}): Promise<FakeSprites> {
  return startServer(opts);
}

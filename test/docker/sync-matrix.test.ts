// The sync matrix (controllers/sync/matrix) against a local alpha directory and a Docker beta
// directory in a sync helper container: the real engine, real exec/tar transport, real files.
import { beforeAll } from 'vitest';
import { describeSyncMatrix } from '../sync/matrix.ts';
import { makeDockerFixture } from './sync-support.ts';
import { BUSYBOX, requireEngine } from './support.ts';

beforeAll(async () => {
  await requireEngine([BUSYBOX]);
});

describeSyncMatrix('sync matrix: local directory ⇄ Docker container', makeDockerFixture, { timeoutMs: 120_000 });

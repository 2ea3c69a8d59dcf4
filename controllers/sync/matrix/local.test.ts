// The sync matrix against two local directories (real files in temp dirs).
import { describeSyncMatrix } from './testing.ts';
import { makeLocalFixture } from './test-support.ts';

describeSyncMatrix('sync matrix: local directory ⇄ local directory', makeLocalFixture);

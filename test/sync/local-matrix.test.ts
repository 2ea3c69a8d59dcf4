// The sync matrix against two local directories (real files in temp dirs).
import { describeSyncMatrix } from './matrix.ts';
import { makeLocalFixture } from './matrix-support.ts';

describeSyncMatrix('sync matrix: local directory ⇄ local directory', makeLocalFixture);

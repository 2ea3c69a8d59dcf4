// The Docker sync endpoint across container restarts and re-creation: a restart (filesystem kept)
// is a reconnect plus a full rescan with nothing lost; a re-created container (empty volume) halts
// the session instead of deleting host files, and a reset repopulates it from the host.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSyncEngine } from '../../controllers/sync/engine.ts';
import { ensureSyncHelper } from '../../controllers/sync/docker/helper-container.ts';
import { listLocalTree, makeTempAncestorStore, sha256, syncUntilQuiet, type MatrixFixture } from '../sync/matrix-support.ts';
import { CONTAINER_ROOT, makeDockerFixture, SYNC_TEST_LABELS } from './sync-support.ts';
import { BUSYBOX, docker, requireEngine } from './support.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

beforeAll(async () => {
  await requireEngine([BUSYBOX]);
});

async function setup(): Promise<{ fx: MatrixFixture; engine: ReturnType<typeof createSyncEngine>; helper: string }> {
  const fx = await makeDockerFixture();
  cleanups.push(() => fx.cleanup());
  const store = await makeTempAncestorStore();
  cleanups.push(() => store.cleanup());
  const engine = createSyncEngine({ alpha: fx.alpha.endpoint, beta: fx.beta.endpoint, ancestorStore: store.store });
  cleanups.push(() => engine.close());
  const helper = fx.beta.endpoint.name.split(':')[1]!;
  return { fx, engine, helper };
}

describe('Docker sync endpoint: container lifecycle', () => {
  it('L1: a container restart mid-session reconnects, rescans and loses nothing', async () => {
    const { fx, engine, helper } = await setup();
    for (let i = 0; i < 5; i++) await fx.alpha.driver.writeFile(`src/f${i}.txt`, `v${i}`);
    await syncUntilQuiet(engine);
    await docker.getContainer(helper).restart({ t: 0 });
    await fx.alpha.driver.writeFile('src/after-host.txt', 'host after restart');
    await fx.beta.driver.writeFile('src/after-container.txt', 'container after restart');
    let result;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        result = await syncUntilQuiet(engine);
        break;
      } catch {
        // the first cycle may meet the old, dead exec: the next one reconnects
      }
    }
    expect(result).toBeDefined();
    const alpha = await listLocalTree(fx.alpha.root);
    const beta = await fx.beta.driver.tree();
    expect(alpha.get('src/after-container.txt')).toMatchObject({ digest: sha256('container after restart') });
    expect(beta.get('src/after-host.txt')).toMatchObject({ digest: sha256('host after restart') });
    for (let i = 0; i < 5; i++) expect(beta.get(`src/f${i}.txt`)).toMatchObject({ digest: sha256(`v${i}`) });
  });

  it('L2: a re-created container (empty volume) halts; host files stay; reset repopulates the container', async () => {
    const { fx, engine, helper } = await setup();
    for (let i = 0; i < 4; i++) await fx.alpha.driver.writeFile(`top${i}/f.txt`, `content ${i}`);
    await syncUntilQuiet(engine);
    const before = await listLocalTree(fx.alpha.root);
    const volume = (await docker.getContainer(helper).inspect()).Mounts[0]!.Name!;
    await docker.getContainer(helper).remove({ force: true });
    await docker.getVolume(volume).remove({ force: true });
    await ensureSyncHelper(docker, { name: helper, volume, image: BUSYBOX, labels: SYNC_TEST_LABELS });
    const mk = await docker.getContainer(helper).exec({ Cmd: ['mkdir', '-p', CONTAINER_ROOT], AttachStdout: true });
    const stream = await mk.start({});
    await new Promise((resolve) => {
      stream.on('end', resolve);
      stream.resume();
    });
    let halted;
    for (let attempt = 0; attempt < 3 && halted === undefined; attempt++) {
      try {
        halted = (await engine.runCycle()).halted;
      } catch {
        // reconnecting
      }
    }
    expect(halted?.reason).toBe('root-emptied');
    expect(await listLocalTree(fx.alpha.root)).toEqual(before);
    await engine.reset();
    await syncUntilQuiet(engine);
    expect(await listLocalTree(fx.alpha.root)).toEqual(before);
    const beta = await fx.beta.driver.tree();
    for (let i = 0; i < 4; i++) expect(beta.get(`top${i}/f.txt`)).toMatchObject({ digest: sha256(`content ${i}`) });
  });
});

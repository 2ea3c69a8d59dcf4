/**
 * Sync matrix support for Docker: a fixture with a local alpha directory and a beta directory in a
 * sync helper container (busybox, mounting a fresh labelled volume at /workspace), and a
 * `SideDriver` that changes the container's files the way a process inside it would.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createLocalEndpoint } from '../../controllers/sync/local/local-endpoint.ts';
import { createDockerEndpoint } from '../../controllers/sync/docker/docker-endpoint.ts';
import { ensureSyncHelper, removeSyncHelper } from '../../controllers/sync/docker/helper-container.ts';
import { detailScript, parseDetails } from '../../controllers/sync/docker/scan.ts';
import { ShellAgent, shellQuote } from '../../controllers/sync/docker/shell-agent.ts';
import { endOfArchive, fileHeader, padding } from '../../controllers/sync/docker/tar.ts';
import { createLocalSideDriver, type MatrixFixture, type SideDriver, type TreeListing } from '../sync/matrix-support.ts';
import { BUSYBOX, docker, RUN_ID, RUN_LABEL } from './support.ts';

/** Root of the synced directory inside the helper. */
export const CONTAINER_ROOT = '/workspace/tree';

/** A driver acting inside `container` on `root`. */
export function createContainerSideDriver(container: string, root: string): SideDriver & { close(): void } {
  let agent: ShellAgent | undefined;
  const sh = async (script: string): Promise<string> => {
    if (agent?.alive !== true) agent = await ShellAgent.start(docker, container, `/tmp/.boulder-sync-driver-${randomBytes(3).toString('hex')}`);
    return (await agent.check(`cd ${shellQuote(root)} || exit 3\n${script}`)).toString();
  };
  const q = (p: string): string => shellQuote(`./${p}`);
  return {
    async writeFile(path, content, options) {
      const bytes = typeof content === 'string' ? Buffer.from(content) : Buffer.from(content);
      const tmp = `.driver-${randomBytes(4).toString('hex')}`;
      await sh(`mkdir -p "$(dirname ${q(path)})"`);
      const archive = Readable.from([fileHeader(tmp, bytes.length), bytes, padding(bytes.length), endOfArchive()]);
      await docker.getContainer(container).putArchive(archive, { path: '/tmp' });
      // cat > keeps the inode, like an editor writing in place.
      await sh(`cat /tmp/${tmp} > ${q(path)} && rm -f /tmp/${tmp}${options?.executable === undefined ? '' : ` && chmod ${options.executable ? 755 : 644} ${q(path)}`}`);
    },
    async readFile(path) {
      const out = await sh(`[ -f ${q(path)} ] && base64 ${q(path)} || echo __none__`);
      if (out.trim() === '__none__') return undefined;
      return Buffer.from(out.replaceAll('\n', ''), 'base64');
    },
    remove: async (path) => void (await sh(`if [ -e ${q(path)} ] || [ -L ${q(path)} ]; then rm -rf ${q(path)}; fi`)),
    mkdir: async (path) => void (await sh(`mkdir -p ${q(path)}`)),
    rename: async (from, to) => void (await sh(`mkdir -p "$(dirname ${q(to)})" && mv ${q(from)} ${q(to)}`)),
    symlink: async (path, target) => void (await sh(`mkdir -p "$(dirname ${q(path)})" && ln -s ${shellQuote(target)} ${q(path)}`)),
    chmod: async (path, executable) => void (await sh(`chmod ${executable ? 755 : 644} ${q(path)}`)),
    mkfifo: async (path) => void (await sh(`mkfifo ${q(path)}`)),
    setMtime: async (path, seconds) => void (await sh(`touch -d @${seconds} ${q(path)}`)),
    async tree() {
      const listing = await sh(`find . -mindepth 1 -exec stat -c '%F\t%a\t%s\t%n\t//' {} + 2>/dev/null; true`);
      const rows = listing.split('\t//\n').filter((r) => r.trim() !== '').map((r) => {
        const [type = '', mode = '0', size = '0', ...name] = r.split('\t');
        return { type, mode, size: Number(size), path: name.join('\t').slice(2) };
      });
      const files = rows.filter((r) => r.type.startsWith('regular')).map((r) => r.path);
      const links = rows.filter((r) => r.type === 'symbolic link').map((r) => r.path);
      const details = files.length + links.length === 0 ? undefined : parseDetails(await sh(detailScript('.', files, links)), files);
      const tree: TreeListing = new Map();
      for (const r of rows.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
        if (r.type.startsWith('regular')) {
          tree.set(r.path, { kind: 'file', digest: details?.digests.get(r.path) ?? 'unreadable', size: r.size, executable: /[1357]/.test(r.mode) });
        } else if (r.type === 'directory') tree.set(r.path, { kind: 'directory' });
        else if (r.type === 'symbolic link') tree.set(r.path, { kind: 'symlink', target: details?.targets.get(r.path) ?? '' });
        else tree.set(r.path, { kind: 'other' });
      }
      return tree;
    },
    emptyRoot: async () => void (await sh('find . -mindepth 1 -maxdepth 1 -exec rm -rf {} +')),
    removeRoot: async () => void (await sh(`cd / && rm -rf ${shellQuote(root)}`)),
    close: () => agent?.close(),
  };
}

/** Labels of every Docker object the sync tests create. */
export const SYNC_TEST_LABELS = { [RUN_LABEL]: RUN_ID, 'boulder-test/suite': 'sync' };

/** A fresh helper container + volume (names returned) for one test. */
export async function startHelper(): Promise<{ name: string; volume: string }> {
  const id = randomBytes(4).toString('hex');
  const name = `nexus-sync-test-${id}`;
  const volume = `nexus-sync-test-${id}`;
  await ensureSyncHelper(docker, { name, volume, image: BUSYBOX, labels: SYNC_TEST_LABELS });
  return { name, volume };
}

/** The matrix fixture: local alpha, Docker beta. */
export async function makeDockerFixture(): Promise<MatrixFixture> {
  const base = await mkdtemp(join(tmpdir(), 'boulder-sync-docker-'));
  const alphaRoot = join(base, 'alpha');
  await mkdir(alphaRoot);
  const helper = await startHelper();
  await docker.getContainer(helper.name).exec({ Cmd: ['mkdir', '-p', CONTAINER_ROOT] }).then((e) => e.start({})).then((s) => new Promise((r) => { s.on('end', r); s.resume(); }));
  const driver = createContainerSideDriver(helper.name, CONTAINER_ROOT);
  const beta = (): ReturnType<typeof createDockerEndpoint> => createDockerEndpoint({ docker, container: helper.name, root: CONTAINER_ROOT });
  return {
    alpha: { endpoint: createLocalEndpoint(alphaRoot), driver: createLocalSideDriver(alphaRoot), root: alphaRoot },
    beta: { endpoint: beta(), driver },
    reopen: () => Promise.resolve({ alpha: createLocalEndpoint(alphaRoot), beta: beta() }),
    async cleanup() {
      driver.close();
      await removeSyncHelper(docker, helper.name, helper.volume);
      await rm(base, { recursive: true, force: true });
    },
  };
}

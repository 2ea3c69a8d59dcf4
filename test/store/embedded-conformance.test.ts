/**
 * Runs the ResourceClient conformance suite against the embedded store, in a temporary state dir.
 * Each client the suite opens is a separate connection (a separate EmbeddedStore) on one file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { describeResourceClientConformance, purgeNamespaces } from './conformance.ts';
import { embeddedClientSpec } from '../../apis/client/open.ts';
import { openEmbeddedStore, type EmbeddedStore } from '../../apis/store/embedded-store.ts';

const stateDir = mkdtempSync(join(tmpdir(), 'boulder-conformance-'));
const spec = embeddedClientSpec(stateDir);
const namespaces = ['conformance', 'conformance-other'] as const;
let admin: EmbeddedStore | undefined;

async function adminStore(): Promise<EmbeddedStore> {
  admin ??= await openEmbeddedStore({ path: spec.path });
  return admin;
}

afterAll(async () => {
  await admin?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

describeResourceClientConformance('embedded store', {
  namespace: namespaces[0],
  otherNamespace: namespaces[1],
  workerSpec: spec,
  newClient: () => openEmbeddedStore({ path: spec.path }),
  reset: async () => purgeNamespaces(await adminStore(), namespaces),
  expireHistory: async () => (await adminStore()).compactHistory(0),
});

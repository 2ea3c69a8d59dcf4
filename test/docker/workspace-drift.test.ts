/**
 * Drift repair by the Workspace controller on the real Docker engine: a running workspace (main
 * container + an httpd service) is tampered with out of band — container removed, stopped,
 * paused, killed; the service container removed; the network removed — and each time must be
 * restored within seconds, recorded in status.repairs and logged as
 * `repaired workspace/<name>: …`. The resync period is far longer than the test, so every repair
 * comes from the Docker event stream. Measured repair times are printed.
 *
 * The network case runs its own controllers behind an EngineGate (DOCKER_HOST): it disconnects
 * every container and removes the network before the controller may act on the first disconnect
 * event (otherwise the controller reconnects the containers faster than the removal can happen).
 * The container cases talk to the engine directly, so that no proxy changes their timing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Dockerode from 'dockerode';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Workspace } from '../../apis/types/index.ts';
import type { DockerProvider } from '../../controllers/providers/docker/index.ts';
import { EngineGate } from './engine-gate.ts';
import {
  BUSYBOX,
  docker,
  dockerExec,
  eventually,
  getWorkspace,
  isReady,
  mainContainer,
  managedObjects,
  removeObjects,
  requireEngine,
  runNamespace,
  serviceContainer,
  startControllers,
  waitForWorkspace,
  waitReady,
  WEB_SERVICE,
  workspaceManifest,
  type ControllerHarness,
} from './workspace-harness.ts';

const NS = runNamespace('drift');
/** No resync during the test: a repair within seconds can only come from an event. */
const RESYNC_MS = 10 * 60_000;
/** "Within seconds". */
const REPAIR_BUDGET_MS = 5_000;

/** A running workspace under test and the controllers that own it. */
interface Subject {
  h: ControllerHarness;
  name: string;
  uid: string;
}

const repairMs: Record<string, number> = {};
const harnesses: ControllerHarness[] = [];
const gateDir = mkdtempSync(path.join(tmpdir(), 'bwt-gate-'));
const gate = new EngineGate(path.join(gateDir, 'docker.sock'));

let engineReady: Promise<void> | undefined;
beforeEach(async () => {
  engineReady ??= requireEngine([BUSYBOX]);
  await engineReady;
});

afterAll(async () => {
  for (const h of harnesses) {
    const left = await h.client.list<Workspace>('Workspace', { namespace: NS });
    for (const ws of left.items) await h.client.delete('Workspace', NS, ws.metadata.name).catch(() => undefined);
    await eventually(async () => (await h.client.list('Workspace', { namespace: NS })).items.length === 0, 30_000, 'deletion').catch(() => undefined);
    await h.stop();
  }
  await gate.stop();
  rmSync(gateDir, { recursive: true, force: true });
  const leftovers = await managedObjects(NS);
  await removeObjects(leftovers);
  console.info(`[workspace-drift] repair times (ms): ${JSON.stringify(repairMs)}`);
  expect(leftovers).toEqual([]);
}, 60_000);

/** Starts controllers (optionally behind the gate) and a Ready workspace with the web service. */
async function runningWorkspace(name: string, dockerHost?: string): Promise<Subject> {
  await requireEngine([BUSYBOX]);
  const h = await startControllers({ resyncPeriodMs: RESYNC_MS, ...(dockerHost !== undefined ? { dockerHost } : {}) });
  harnesses.push(h);
  const created = await h.client.create(workspaceManifest(NS, name, { image: BUSYBOX, services: { web: WEB_SERVICE } }));
  await waitReady(h.client, NS, name);
  return { h, name, uid: created.metadata.uid! };
}

/**
 * Fetches http://web:8080/ from the main container (busybox wget), retrying while httpd starts.
 * (No `-T`: this busybox build's wget crashes with it.)
 */
async function webFromWorkspace(s: Subject): Promise<string> {
  const main = (await mainContainer(s.uid))!;
  const result = await dockerExec(main.Id, ['sh', '-c', 'for i in $(seq 1 60); do wget -qO- http://web:8080/ && exit 0; sleep 0.05; done; exit 1']);
  return result.stdout;
}

/**
 * Tampers with the workspace, then waits until the controller recorded repairs including
 * `expected` and the workspace is Ready and running again; records the time from the end of the
 * tampering to that point under `label`, checks the log lines, and returns the workspace.
 */
async function expectRepair(s: Subject, label: string, tamper: () => Promise<void>, expected: string[]): Promise<Workspace> {
  const before = (await getWorkspace(s.h.client, NS, s.name))!;
  const repairsBefore = before.status?.repairs ?? [];
  const logsBefore = s.h.logLines().length;
  await tamper();
  const tampered = performance.now();
  const repaired = (await waitForWorkspace(
    s.h.client,
    NS,
    s.name,
    (ws) => {
      const added = newRepairs(repairsBefore, ws?.status?.repairs ?? []);
      return isReady(ws) && expected.every((what) => added.includes(what));
    },
    REPAIR_BUDGET_MS * 2,
    `repair after ${label}`,
  ))!;
  const elapsed = Math.round(performance.now() - tampered);
  repairMs[label] = elapsed;
  const main = (await mainContainer(s.uid))!;
  const web = (await serviceContainer(s.uid, 'web'))!;
  expect(main.State.Status).toBe('running');
  expect(web.State.Status).toBe('running');
  expect(repaired.status?.containerId).toBe(main.Id);
  expect(repaired.status?.phase).toBe('Running');
  // Logged, by a reconcile the event stream triggered (not the periodic resync).
  const lines = s.h.logLines().slice(logsBefore);
  for (const what of expected) {
    const line = lines.find((l) => l['msg'] === `repaired workspace/${s.name}: ${what}`);
    expect(line, `log line for ${what}`).toMatchObject({ repair: what, key: `${NS}/${s.name}` });
    expect(line?.['trigger']).not.toBe('resync');
  }
  expect(lines.some((l) => l['component'] === 'provider-events' && l['msg'] === 'drift hint' && l['workspace'] === s.name)).toBe(true);
  expect(elapsed).toBeLessThan(REPAIR_BUDGET_MS);
  return repaired;
}

/** Repairs in `after` that are not in `before` (status keeps the last few, so compare entries). */
function newRepairs(before: { at: string; what: string }[], after: { at: string; what: string }[]): string[] {
  const seen = new Set(before.map((r) => `${r.at}|${r.what}`));
  return after.filter((r) => !seen.has(`${r.at}|${r.what}`)).map((r) => r.what);
}

describe('drift of the containers, repaired from Docker events', () => {
  let s: Subject;
  beforeAll(async () => {
    s = await runningWorkspace('drifty');
  }, 60_000);

  it('recreates the main container removed with docker rm -f', async () => {
    const old = (await mainContainer(s.uid))!.Id;
    const ws = await expectRepair(s, 'container removed', () => docker.getContainer(old).remove({ force: true }), ['container recreated']);
    expect(ws.status?.containerId).not.toBe(old);
    expect(await webFromWorkspace(s)).toBe('hello-from-web\n');
  });

  it('starts the main container stopped with docker stop', async () => {
    const id = (await mainContainer(s.uid))!.Id;
    const ws = await expectRepair(s, 'container stopped', () => docker.getContainer(id).stop({ t: 0 }), ['container started']);
    expect(ws.status?.containerId).toBe(id);
  });

  // Docker emits `pause` and `die` before its container listing shows the new state, and no later
  // event follows: the repair must not depend on the reconcile losing that race.
  it('unpauses the main container paused with docker pause', async () => {
    const id = (await mainContainer(s.uid))!.Id;
    const ws = await expectRepair(s, 'container paused', () => docker.getContainer(id).pause(), ['container unpaused']);
    expect(ws.status?.containerId).toBe(id);
    expect((await mainContainer(s.uid))!.State.Paused).toBe(false);
  });

  it('starts the main container killed with docker kill', async () => {
    const id = (await mainContainer(s.uid))!.Id;
    const ws = await expectRepair(s, 'container killed', () => docker.getContainer(id).kill(), ['container started']);
    expect(ws.status?.containerId).toBe(id);
  });

  it('recreates a removed service container', async () => {
    const old = (await serviceContainer(s.uid, 'web'))!.Id;
    await expectRepair(s, 'service removed', () => docker.getContainer(old).remove({ force: true }), ['service web created', 'service web started']);
    expect((await serviceContainer(s.uid, 'web'))!.Id).not.toBe(old);
    expect(await webFromWorkspace(s)).toBe('hello-from-web\n');
  });

  it('keeps the repairs in status, newest last, each with its time', async () => {
    const ws = (await getWorkspace(s.h.client, NS, s.name))!;
    const repairs = ws.status?.repairs ?? [];
    expect(repairs.length).toBeGreaterThanOrEqual(5);
    expect(repairs.at(-2)?.what).toBe('service web created');
    expect(repairs.at(-1)?.what).toBe('service web started');
    const times = repairs.map((r) => Date.parse(r.at));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(times[0]).toBeGreaterThan(Date.now() - 5 * 60_000);
  });
});

describe('drift of the network, repaired from Docker events', () => {
  let s: Subject;
  beforeAll(async () => {
    await gate.start();
    s = await runningWorkspace('driftnet', gate.dockerHost);
    expect((s.h.providers.get('docker') as DockerProvider).engine).toBe(gate.dockerHost);
  }, 60_000);

  it('recreates the network removed out of band and reconnects the containers, keeping them', async () => {
    const main = (await mainContainer(s.uid))!;
    const web = (await serviceContainer(s.uid, 'web'))!;
    const networkName = Object.keys(main.NetworkSettings.Networks)[0]!;
    const networkId = main.NetworkSettings.Networks[networkName]!.NetworkID;
    const ws = await expectRepair(
      s,
      'network removed',
      async () => {
        gate.hold();
        try {
          const network = docker.getNetwork(networkId);
          for (const id of [main.Id, web.Id]) await network.disconnect({ Container: id, Force: true });
          await network.remove();
        } finally {
          gate.release();
        }
      },
      ['network recreated', 'container reconnected to network', 'service web reconnected to network'],
    );
    const now = (await mainContainer(s.uid))!;
    expect(ws.status?.containerId).toBe(main.Id);
    expect(now.Id).toBe(main.Id);
    expect((await serviceContainer(s.uid, 'web'))!.Id).toBe(web.Id);
    const networks = Object.values(now.NetworkSettings.Networks) as Dockerode.NetworkInfo[];
    expect(networks).toHaveLength(1);
    expect(networks[0]!.NetworkID).not.toBe(networkId);
    expect(Object.keys(now.NetworkSettings.Networks)).toEqual([networkName]);
    expect(await webFromWorkspace(s)).toBe('hello-from-web\n');
  });
});

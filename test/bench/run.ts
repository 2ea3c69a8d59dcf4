/**
 * `npm run bench`: runs the benchmark suites and prints one table of medians, p99s, floors
 * measured in the same run, ratios and budgets. Pass suite names to run a subset:
 * `npm run bench -- api`, `npm run bench -- control-plane`, `npm run bench -- docker`, `npm run bench -- apply` (its apply → Ready section only, after the CLI's start), `npm run bench -- cli-start` (the CLI's start alone, no Docker), `npm run bench -- git-call` (a git call from a daemon-sized process, in-process vs through the spawner), `npm run bench -- switch` (switch A ⇄ B alone), `npm run bench -- fanout` (20 workspaces at once, with its engine floors), `npm run bench -- ports`, `npm run bench -- k8s`, `npm run bench -- sync`, `npm run bench -- sync-container`, `npm run bench -- sync-pod` (the same rows for a Pod endpoint, on the shared test control plane: BOULDER_K8S_KEEP=1) or `npm run bench -- idle`.
 */
import { benchApi } from './api.ts';
import { benchApiFiles } from './api-files.ts';
import { benchCliStart } from './cli-start.ts';
import { benchControlPlane } from './control-plane.ts';
import { benchDaemonIdle } from './daemon-idle.ts';
import { benchFanout } from './docker-batch.ts';
import { benchDockerApply, benchDockerWorkspace } from './docker-workspace.ts';
import { benchGitCall } from './git-call.ts';
import { benchIdle } from './idle.ts';
import { benchK8s } from './k8s.ts';
import { benchPorts } from './ports.ts';
import { printTable, type BenchRow } from './stats.ts';
import { benchSync } from './sync.ts';
import { benchSyncContainer } from './sync-container.ts';
import { benchSyncPod } from './sync-pod.ts';

const suites: Record<string, () => Promise<BenchRow[]>> = {
  // The API's calls/s (api.ts) and its files and exec rows (api-files.ts).
  api: async () => [...(await benchApi()), ...(await benchApiFiles())],
  'control-plane': benchControlPlane,
  'daemon-idle': benchDaemonIdle,
  docker: () => benchDockerWorkspace(),
  // apply → Ready only, with where its wall time goes outside the reconcile (issue 19 item 2).
  // The CLI's own start (apply → object stored, get, version) against `node -e 0`, then apply → Ready.
  // And one git call from a daemon-sized process, in-process vs through the spawner.
  apply: async () => [...(await benchCliStart()), ...(await benchDockerApply()), ...(await benchGitCall())],
  'git-call': benchGitCall,
  'cli-start': benchCliStart,
  // switch A ⇄ B only, with its floors and attribution (issue 19 item 4).
  switch: () => benchDockerWorkspace(['switch']),
  // 20 workspaces applied at once → all Ready, with the engine's floors of that work (issue 19 item 3);
  // A/B against another build with BOULDER_BENCH_BASELINE=/path/to/bin/boulder.js.
  fanout: benchFanout,
  // Wake on connect vs docker unpause + direct request; daemon CPU with 50 idle-tracked workspaces.
  idle: benchIdle,
  ports: benchPorts,
  k8s: benchK8s,
  sync: benchSync,
  // Container → host edit latency and idle container CPU of a 20k-file tree per watch mode (issue 19).
  'sync-container': benchSyncContainer,
  // The container → host and host → container edit rows for a Pod endpoint (issue 19 item 7).
  'sync-pod': benchSyncPod,
};

const wanted = process.argv.slice(2);
const rows: BenchRow[] = [];
for (const [name, run] of Object.entries(suites)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  process.stderr.write(`[bench] ${name}…\n`);
  rows.push(...(await run()));
}
printTable(rows);

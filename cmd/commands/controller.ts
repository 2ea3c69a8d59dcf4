/**
 * `boulder controller [--kubeconfig PATH] [--context NAME] [--target-namespace NS]`: the controller
 * manager on a Kubernetes cluster — the Workspace and PortBinding controllers on the Kubernetes
 * ResourceClient (Workspaces are the cluster's custom resources) with the Kubernetes provider
 * (workspaces with `backend: kubernetes` run as Pods there) and the mock provider. In-cluster (the
 * Deployment in manifests/deploy/) it uses the Pod's service account; outside, the kubeconfig.
 * Runs in the foreground until SIGINT/SIGTERM, logging JSON lines to stderr.
 */

import { UsageError } from '../cli-error.ts';
import { defineCommand } from '../command.ts';
import { ExitCode } from '../exit-codes.ts';

const command = defineCommand({
  name: 'controller',
  summary: 'Run the controllers against a Kubernetes cluster (in-cluster or via a kubeconfig)',
  usage: ['controller [--kubeconfig PATH] [--context NAME] [--target-namespace NS] [--log-level LEVEL]'],
  description: [
    'Reconciles the Workspaces and PortBindings stored in the cluster (the CRDs of manifests/crds/)',
    'and runs `backend: kubernetes` workspaces as Pods, with their Service, PersistentVolumeClaim and',
    'Secret owned by the Workspace. Workspaces of other backends (docker, sprite) report',
    'BackendNotAllowed: they run on the machine of a boulder daemon with the embedded store.',
    'The controller never lends its own identity: secrets come only from secretRef (a Secret in',
    "the workspace's namespace, referenced by the Pod), fromFile/fromEnv and repository paths are",
    "refused, and a SyncSession may only reach Pods of its own namespace.",
    'Without --kubeconfig: $KUBECONFIG, ~/.kube/config, else the in-cluster service account.',
    'Stops gracefully on SIGINT/SIGTERM.',
  ].join('\n'),
  options: {
    kubeconfig: { type: 'string', valueName: 'PATH', description: 'kubeconfig file of the cluster' },
    context: { type: 'string', valueName: 'NAME', description: 'context of the kubeconfig to use (default: its current context)' },
    'target-namespace': { type: 'string', valueName: 'NS', description: 'create workspace Pods in this namespace (default: each workspace\'s own)' },
    'log-level': { type: 'string', valueName: 'LEVEL', description: 'debug, info (default), warn or error', choices: ['debug', 'info', 'warn', 'error'] },
  },
  async run(deps, { values, positionals }) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, 'controller');
    const kubeconfig = values.kubeconfig;
    const context = values.context;
    const targetNamespace = values['target-namespace'];
    const level = (values['log-level'] ?? 'info') as 'debug' | 'info' | 'warn' | 'error';
    const [{ openClient }, { createLogger, closeLogger }, { Manager }, { realClock }, { registerControllers }, { MockProvider }] = await Promise.all([
      import('../../apis/client/open.ts'),
      import('../../controllers/runtime/logger.ts'),
      import('../../controllers/runtime/manager.ts'),
      import('../../controllers/runtime/clock.ts'),
      import('../../controllers/setup.ts'),
      import('../../controllers/providers/mock/mock-provider.ts'),
    ]);
    const logger = createLogger({ level, base: { role: 'controller' } });
    const stop = deps.interruptSignal();
    const client = await openClient({ type: 'kubernetes', ...(kubeconfig !== undefined ? { kubeconfig } : {}), ...(context !== undefined ? { context } : {}) });
    try {
      const manager = new Manager({ client, clock: realClock, logger });
      registerControllers(manager, {
        client,
        clock: realClock,
        logger,
        stateDir: deps.stateDir,
        // The Workspaces are the cluster's: whoever may create one is not this process's identity.
        trust: 'cluster',
        providers: [new MockProvider()],
        kubernetes: {
          ownerReferences: targetNamespace === undefined,
          ...(kubeconfig !== undefined ? { kubeconfig } : {}),
          ...(context !== undefined ? { context } : {}),
          ...(targetNamespace !== undefined ? { namespace: targetNamespace } : {}),
        },
      });
      await manager.start();
      logger.info({ kubeconfig: kubeconfig ?? '(default)', context: context ?? '(current)' }, 'controller started');
      deps.stderr.write(`boulder controller running (pid ${process.pid})\n`);
      if (!stop.aborted) await new Promise((resolve) => stop.addEventListener('abort', resolve, { once: true }));
      logger.info('controller stopping');
      await manager.stop();
    } finally {
      await client.close();
      await closeLogger(logger);
    }
    deps.stderr.write(`boulder controller stopped (pid ${process.pid})\n`);
    return ExitCode.Ok;
  },
});

export default command;

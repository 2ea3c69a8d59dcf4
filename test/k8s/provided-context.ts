/**
 * Declares what the `k8s` project's global setup provides, so `inject('k8s')` is typed.
 */
import type { K8sTestEnv } from './control-plane.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The test control plane (see test/k8s/global-setup.ts). */
    k8s: K8sTestEnv;
  }
}

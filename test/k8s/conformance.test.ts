/**
 * Runs the ResourceClient conformance suite, unchanged, against the real kube-apiserver of the
 * test control plane (garbage collection by kube-controller-manager), in two fresh namespaces.
 */
import { describeResourceClientConformance } from '../store/conformance.ts';
import { kubernetesConformanceHarness } from './harness.ts';

describeResourceClientConformance('Kubernetes API server', kubernetesConformanceHarness());

/**
 * The PortBinding controller: deterministic host ports persisted in status, forwarded by the
 * daemon to the workspace's containers, with Conflict/holder reporting, fixed ports that follow
 * the repository's active workspace, and the Workspace watch that wakes bindings. The allocator,
 * forwarders and holder lookup it builds on live in `./allocator`, `./forward` and `./holder`.
 */
export { allocateHostPort, allocationMatches, allocationRecord, backendPortRange, portsHeldByOthers, workspacePortNames, type AllocateInputs } from './allocation.ts';
export {
  addressesOverlap,
  bindingPortName,
  bindingUrl,
  hostIPFor,
  isHttpPortName,
  PRIVATE_HOST_IP,
  PUBLIC_HOST_IP,
  resolveBinding,
  servicePortName,
  type ResolvedBinding,
} from './binding.ts';
export { decideExposure, EXPOSURE_SETTING, exposureCondition, isLoopbackAddress, LOOPBACK_HOST_IP, WILDCARD_HOST_IP, type Exposure, type ExposurePolicy } from './exposure.ts';
export { PortForwarding, type ForwardingHolder, type PortForwardingOptions, type UpstreamChange } from './forwarding.ts';
export {
  claimFixedPort,
  contenderOf,
  fixedPortOwner,
  repositoryOf,
  rivalBindings,
  standbyMessage,
  type Contender,
  type FixedPortClaim,
  type FixedPortOwner,
  type OwnershipBasis,
  type Rival,
} from './ownership.ts';
export { CONFLICT_RETRY_MS, portBindingReconciler, WAIT_RETRY_MS, type PortBindingReconcilerDeps } from './reconcile.ts';
export { bindingStatus, type BindingObservation, type BindingStatusInputs } from './status.ts';
export { bindingsForWorkspace } from './workspace-events.ts';

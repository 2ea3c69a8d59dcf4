/** Forwarding of host ports to workspace ports, run by the controller daemon (see `ForwarderPool`). */
export { formatBinding, formatEndpoint } from './endpoint.ts';
export { PortInUseError, listenError } from './errors.ts';
export type { Forwarder, ForwarderStats, UpstreamEvent } from './forwarder.ts';
export { KernelForwarding, KERNEL_FORWARDING_ENV } from './kernel/kernel-forwarding.ts';
export { ForwarderPool, type EnsureForwardResult, type ForwarderPoolOptions, type ForwardPath } from './pool.ts';
export { forwardSpecChange, type ForwardSpecChange } from './spec-change.ts';
export { startTcpForwarder, type TcpForwarderOptions } from './tcp-forwarder.ts';
export { startUdpRelay, type UdpRelayOptions } from './udp-relay.ts';
export { openUpstream } from './upstream.ts';

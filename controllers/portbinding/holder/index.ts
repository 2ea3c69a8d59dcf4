/** Finding the process that holds a host port (Linux /proc), for Conflict messages. */
export { findPortHolder, type FindPortHolderOptions } from './find-port-holder.ts';
export { describeProcess, findSocketOwner } from './proc-fd.ts';
export { TCP_LISTEN, decodeAddress, holdingInodes, parseProcNet, type ProcNetSocket } from './proc-net.ts';

/**
 * The registry of every daemon API method module. Each group adds one import and one entry below
 * (appended lines only: api-core's and api-files' groups live side by side). The core methods
 * (`auth`, `server.info`, `streams.cancel`) are added by server/api.ts, which knows the server's info.
 */
import type { MethodModule } from '../rpc/method.ts';
import { resourceMethods } from './resources/index.ts';
import { workspaceMethods } from './workspaces/index.ts';
import { execMethods } from './exec/methods.ts';
import { filesMethods } from './files/methods.ts';
import { logsMethods } from './logs/methods.ts';
import { nodeMethods } from './node/index.ts';

/** Every method module the daemon serves, in registration order. */
export const methodModules: MethodModule[] = [
  resourceMethods,
  workspaceMethods,
  filesMethods,
  execMethods,
  logsMethods,
  nodeMethods,
];

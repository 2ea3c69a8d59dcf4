/**
 * The registry of every daemon API method module. Each group adds one import and one entry below
 * (appended lines only: api-core's and api-files' groups live side by side).
 */
import type { MethodModule } from '../rpc/method.ts';
import { execMethods } from './exec/methods.ts';
import { filesMethods } from './files/methods.ts';
import { logsMethods } from './logs/methods.ts';

/** Every method module the daemon serves, in registration order. */
export const methodModules: MethodModule[] = [];
methodModules.push(filesMethods, execMethods, logsMethods);

/**
 * The registry of every daemon API method module. Each group adds one import and one entry below
 * (appended lines only: api-core's and api-files' groups live side by side).
 */
import type { MethodModule } from '../rpc/method.ts';

/** Every method module the daemon serves, in registration order. */
export const methodModules: MethodModule[] = [];

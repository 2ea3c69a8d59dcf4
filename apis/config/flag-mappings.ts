/**
 * The command-line flags that set configuration keys, as a table (no dependencies, so command
 * modules can declare them without loading the configuration machinery).
 */
import type { ValueKind } from './env-mappings.ts';

/** A flag that sets one configuration key. */
export interface FlagMapping {
  /** Long option name without dashes, e.g. `idle-timeout`. */
  option: string;
  key: string;
  kind: ValueKind;
  valueName: string;
  description: string;
  /**
   * The flag outranks its NEXUS_* variable: global flags (`--state-dir`) have always beaten their
   * variable, while command flags rank below the variables (the flag layer is under the env layer).
   */
  outranksEnv?: boolean;
}

/** Flags that set configuration keys (`--state-dir` and `--store` are global flags of every command). */
export const CONFIG_FLAG_MAPPINGS: readonly FlagMapping[] = [
  { option: 'backend', key: 'backend', kind: 'text', valueName: 'BACKEND', description: 'Backend: docker, sprite, kubernetes or mock (config key backend)' },
  { option: 'image', key: 'workspace.image', kind: 'text', valueName: 'IMAGE', description: 'Workspace image (config key workspace.image)' },
  { option: 'idle-timeout', key: 'workspace.idle_timeout', kind: 'text', valueName: 'DURATION', description: 'Idle timeout, e.g. 4h (config key workspace.idle_timeout)' },
  { option: 'port-range', key: 'port_range', kind: 'port-range', valueName: 'START-END', description: 'Host port range, e.g. 33000-33999 (config key port_range)' },
  { option: 'state-dir', key: 'daemon.state_dir', kind: 'path', valueName: 'DIR', description: 'State directory (config key daemon.state_dir)', outranksEnv: true },
  { option: 'store', key: 'store', kind: 'text', valueName: 'KIND', description: 'Store: embedded or kubernetes (config key store)', outranksEnv: true },
];

/** The option name of the generic setter. */
export const SET_OPTION = 'set';


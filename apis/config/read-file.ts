/**
 * Reading one configuration file (see config-file.ts), and parsing its text synchronously with
 * every level's validator at hand (schema-validate.ts loads them all).
 */
import { parseConfigTextWith, type ConfigFileResult } from './config-file.ts';
import type { ConfigLevel } from './effective-schema.ts';
import { validatorOf } from './schema-validate.ts';

export { readConfigFile, type ConfigFile, type ConfigFileResult } from './config-file.ts';

/** Parses and validates the text of a configuration file of `level`. Pure. */
export function parseConfigText(text: string, level: ConfigLevel, path: string, shown: string): ConfigFileResult {
  return parseConfigTextWith(validatorOf(level), text, level, path, shown);
}

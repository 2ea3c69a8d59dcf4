/**
 * The precompiled validator of one configuration file level, imported on first use: reading only
 * the node file (the daemon's settings, on every command) loads only the node schema's validator,
 * not those of the user and project files.
 */
import type { ConfigLevel } from './effective-schema.ts';
import type { ConfigValidator } from './schema-issues.ts';

/** The precompiled validator of `level`'s schema (`generated/<level>.js`). */
export async function configValidator(level: ConfigLevel): Promise<ConfigValidator> {
  switch (level) {
    case 'node':
      return (await import('./generated/node.js')).validate;
    case 'user':
      return (await import('./generated/user.js')).validate;
    case 'project':
      return (await import('./generated/project.js')).validate;
  }
}

/**
 * `npm run build` (after tsc): bundles the CLI into `dist/cli/` (bundle-options.ts), which
 * bin/boulder.js runs when it exists. Node's module loader (resolve, read, compile and link per
 * file) was most of the CLI's own start (issue 19): `boulder apply` loaded 148 modules, 72 of them
 * the `yaml` package's CommonJS files; from the bundle it loads a few dozen chunks.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'rolldown';
import { packageRoot } from '../../apis/package-root.ts';
import { BUNDLE_DIR, bundleOptions } from './bundle-options.ts';

const root = packageRoot();
rmSync(join(root, BUNDLE_DIR), { recursive: true, force: true });
await build(bundleOptions(root));

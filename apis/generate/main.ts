/**
 * `npm run generate`: writes `apis/types/`, `apis/validation/generated/`, `apis/config/generated/` and `manifests/crds/` from `schemas/`.
 */
import { packageRoot } from '../package-root.ts';
import { generateAll, writeGenerated } from './generate.ts';

const root = packageRoot();
const files = await generateAll();
const removed = writeGenerated(root, files);
for (const path of files.keys()) process.stdout.write(`wrote ${path}\n`);
for (const path of removed) process.stdout.write(`removed ${path}\n`);

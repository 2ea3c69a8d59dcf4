import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadEffectiveConfig } from '../../apis/config/load.ts';
import { parseConfigText } from '../../apis/config/read-file.ts';
import { renderResources } from '../../apis/render/index.ts';
import { admitObject } from '../../apis/validation/admit.ts';
import { STARTER_IMAGE, starterConfig } from './init-template.ts';

let repo: string;
beforeEach(() => {
  repo = mkdtempSync(join(tmpdir(), 'boulder-starter-'));
  mkdirSync(join(repo, '.git'));
});
afterEach(() => rmSync(repo, { recursive: true, force: true }));

/** Writes `text` as the project file and renders it. */
async function renderStarter(text: string): Promise<ReturnType<typeof renderResources>> {
  mkdirSync(join(repo, '.nexus'), { recursive: true });
  writeFileSync(join(repo, '.nexus', 'config.yaml'), text);
  const config = await loadEffectiveConfig({ cwd: repo, home: repo, env: { NEXUS_NODE_CONFIG: '', NEXUS_USER_CONFIG: '' } });
  return renderResources(config);
}

describe('starterConfig', () => {
  it('starts with the schema modeline and is a valid project file as written', () => {
    const text = starterConfig({ schemaPath: '/opt/boulder/schemas/config-project.schema.json', defaultName: 'api' });
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=/opt/boulder/schemas/config-project.schema.json');
    const parsed = parseConfigText(text, 'project', '/r/.nexus/config.yaml', '.nexus/config.yaml');
    expect(parsed.issues).toEqual([]);
    expect(parsed.file?.data).toEqual({
      workspace: { image: STARTER_IMAGE },
      ports: { web: { port: 3000 } },
      env: { APP_ENV: 'development' },
      scripts: { post_start: 'echo "workspace ready"' },
    });
    expect(text).toContain('#     image: postgres:17');
    expect(text).toContain('# name: api');
  });

  it('renders a Workspace the store admits from its defaults', async () => {
    const [ws, ...rest] = await renderStarter(starterConfig({ schemaPath: '/s.json', defaultName: 'x' }));
    expect(rest).toEqual([]);
    expect(ws?.spec).toMatchObject({ image: STARTER_IMAGE, ports: { web: { containerPort: 3000 } }, scripts: { postStart: 'echo "workspace ready"' } });
    expect(() => admitObject(ws as NonNullable<typeof ws>)).not.toThrow();
  });

  it('takes an image or a build from a devcontainer.json', async () => {
    const withImage = starterConfig({ schemaPath: '/s.json', defaultName: 'x', image: 'mcr.microsoft.com/devcontainers/base:bookworm', imageFrom: '.devcontainer/devcontainer.json' });
    expect(withImage).toContain('  image: mcr.microsoft.com/devcontainers/base:bookworm   # from .devcontainer/devcontainer.json');
    const withBuild = starterConfig({ schemaPath: '/s.json', defaultName: 'x', build: { context: '.devcontainer', dockerfile: 'Dockerfile' }, imageFrom: '.devcontainer/devcontainer.json' });
    const parsed = parseConfigText(withBuild, 'project', '/r/c.yaml', 'c.yaml');
    expect(parsed.issues).toEqual([]);
    expect(parsed.file?.data['workspace']).toEqual({ build: { context: '.devcontainer', dockerfile: 'Dockerfile' } });
    const [ws] = await renderStarter(withBuild);
    expect(() => admitObject(ws as NonNullable<typeof ws>)).not.toThrow();
  });
});

import { describe, expect, it } from 'vitest';
import { flagLayer, flagSettings } from './flag-layer.ts';
import { mergeLayers } from './merge.ts';

describe('flag layer', () => {
  it('turns parsed option values into settings: mapped flags first, then each --set in order', () => {
    expect(flagSettings({ backend: 'sprite', 'idle-timeout': ['1h', '4h'], set: ['env.A=1', 'broken'], output: 'yaml' })).toEqual([
      { flag: '--backend', key: 'backend', text: 'sprite', kind: 'text' },
      { flag: '--idle-timeout', key: 'workspace.idle_timeout', text: '4h', kind: 'text' },
      { flag: '--set env.A', key: 'env.A', text: '1', kind: 'yaml' },
      { flag: '--set broken', key: '', text: '', kind: 'yaml' },
    ]);
  });

  it('builds values with provenance per flag; --set values are YAML and are normalized', () => {
    const settings = flagSettings({
      'port-range': '34000-34099',
      'state-dir': 'st',
      set: ['env.PORT=3000', 'sync.exclude=[node_modules, dist]', 'secrets.TOKEN=file:tok', 'resources.cpu=2'],
    });
    const { layer, issues } = flagLayer(settings, '/repo', '/home/u');
    expect(issues).toEqual([]);
    const config = mergeLayers([layer]);
    expect(config.values).toEqual({
      env: { PORT: '3000' },
      resources: { cpu: '2' },
      secrets: { TOKEN: 'file:/repo/tok' },
      sync: { exclude: ['node_modules', 'dist'] },
      port_range: { start: 34000, end: 34099 },
      daemon: { state_dir: '/repo/st' },
    });
    expect(config.entry('env.PORT')?.origin.source).toBe('--set env.PORT');
    expect(config.entry('port_range')?.origin.source).toBe('--port-range');
  });

  it('reports malformed settings, unknown keys, bad values and file-only keys on their flag', () => {
    const { issues, layer } = flagLayer(
      flagSettings({ backend: 'vm', set: ['nope', 'workspace.imagee=x', 'limits.max_workspaces_total=99', 'user_secrets.A=env:A', 'ports.web.port=http', 'workspace.state=Running'] }),
      '/',
      '/h',
    );
    expect(issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      '--backend: must be one of: docker, sprite, kubernetes, mock',
      '--set nope: must be KEY=VALUE, e.g. --set workspace.idle_timeout=4h',
      '--set workspace.imagee: unknown field "imagee"',
      '--set limits.max_workspaces_total: limits.max_workspaces_total can only be set in the node configuration',
      '--set user_secrets.A: user_secrets.A can only be set in the user configuration (secrets)',
      '--set ports.web.port: must be an integer',
    ]);
    expect(layer.values).toEqual({ workspace: { state: 'Running' } });
  });
});

import { describe, expect, it } from 'vitest';
import { formatFieldIssue } from '../errors.ts';
import { mergeLayers } from './merge.ts';
import type { ConfigLayer, LayerName } from './types.ts';
import { checkEffectiveConfig } from './validate.ts';

const at = (name: LayerName, source: string, values: Record<string, unknown>, line?: number): ConfigLayer => ({
  layer: name,
  source,
  values,
  locate: (path) => (line === undefined ? { source } : { source, line, column: 1, sourceKey: path.join('.') }),
});
const check = (...layers: ConfigLayer[]): { errors: string[]; warnings: string[] } => {
  const { errors, warnings } = checkEffectiveConfig(mergeLayers(layers));
  return { errors: errors.map(formatFieldIssue), warnings: warnings.map(formatFieldIssue) };
};
const node = (values: Record<string, unknown>): ConfigLayer => at('node', 'node.yaml', values, 1);
const project = (values: Record<string, unknown>): ConfigLayer => at('project', 'p.yaml', values, 5);

describe('checkEffectiveConfig', () => {
  it.each([
    ['a valid range', { start: 33000, end: 33999 }, []],
    ['a reversed range', { start: 2000, end: 1500 }, ['p.yaml:5:1: port_range: 2000-1500: start (2000) is after end (1500)']],
    ['a range on the reserved ports', { start: 32790, end: 32850 }, ['p.yaml:5:1: port_range: 32790-32850 overlaps the reserved ports 32768-32799']],
  ])('port_range: %s', (_name, range, errors) => expect(check(project({ port_range: range })).errors).toEqual(errors));

  it('checks overridden port ranges too: a broken file stays broken', () => {
    expect(check(node({ port_range: { start: 32770, end: 32780 } }), at('env', 'NEXUS_PORT_RANGE', { port_range: { start: 40000, end: 40099 } })).errors).toEqual([
      'node.yaml:1:1: port_range: 32770-32780 overlaps the reserved ports 32768-32799',
    ]);
  });

  it.each([
    ['explicit cpu within max_cpu', { cpu: '8' }, { max_cpu: '8' }, []],
    ['millicores within max_cpu', { cpu: '1500m' }, { max_cpu: '2' }, []],
    ['explicit cpu above max_cpu', { cpu: '8.5' }, { max_cpu: '8' }, ["p.yaml:5:1: resources.cpu: cpu 8.5 exceeds the node's max_cpu 8 (node node.yaml:1:1)"]],
    ['a class above max_memory', { class: 'xlarge' }, { max_memory: '8Gi' }, ["p.yaml:5:1: resources.class: class xlarge (memory 16Gi) exceeds the node's max_memory 8Gi (node node.yaml:1:1)"]],
    ['a class whose explicit memory fits', { class: 'xlarge', memory: '4Gi' }, { max_memory: '8Gi' }, []],
    ['memory in decimal units', { memory: '9G' }, { max_memory: '8Gi' }, ["p.yaml:5:1: resources.memory: memory 9G exceeds the node's max_memory 8Gi (node node.yaml:1:1)"]],
  ])('resources: %s', (_name, resources, limits, errors) => expect(check(node({ limits }), project({ resources })).errors).toEqual(errors));

  it('requires a container port for every port and an image for every service, after merging', () => {
    expect(check(at('project_override', 'u.yaml', { ports: { web: { host_port: 3000 } } }, 9), project({ ports: { web: { port: 3000 } } })).errors).toEqual([]);
    expect(check(project({ ports: { web: { host_port: 3000 } }, services: { db: { env: { A: '1' } } } })).errors).toEqual([
      'p.yaml:5:1: ports.web.host_port: ports.web.port is required (no layer sets it)',
      'p.yaml:5:1: services.db.env.A: services.db.image is required (no layer sets it)',
    ]);
  });

  it.each([
    ['bind on sprite', { backend: 'sprite', sync: { mode: 'bind' }, backends: { sprite: { api_key: 'env:T' } } }, ['p.yaml:5:1: sync.mode: bind mounts the worktree and needs the docker backend, but backend is sprite (project p.yaml:5:1); use two-way-safe or another sync mode'], []],
    ['bind on kubernetes', { backend: 'kubernetes', sync: { mode: 'bind' } }, ['p.yaml:5:1: sync.mode: bind mounts the worktree and needs the docker backend, but backend is kubernetes (project p.yaml:5:1); use two-way-safe or another sync mode'], []],
    ['two-way-safe on sprite', { backend: 'sprite', sync: { mode: 'two-way-safe' }, backends: { sprite: { api_key: 'env:T' } } }, [], []],
    ['sprite without a token', { backend: 'sprite' }, [], ['p.yaml:5:1: backend: backend sprite needs an API token; set backends.sprite.api_key (e.g. keychain:sprites/me) or NEXUS_SPRITE_TOKEN']],
    ['bind on a remote docker engine', { backends: { docker: { host: 'ssh://me@box' } } }, [], ['p.yaml:5:1: backends.docker.host: the docker engine ssh://me@box is remote, where a bind mount of a local worktree does not work; set sync.mode to two-way-safe']],
    ['sync on a remote docker engine', { backends: { docker: { host: 'tcp://box:2375' } }, sync: { mode: 'one-way-safe' } }, [], []],
    ['a local docker socket', { backends: { docker: { host: 'unix:///var/run/docker.sock' } } }, [], []],
  ])('backend settings: %s', (_name, values, errors, warnings) => expect(check(project(values))).toEqual({ errors, warnings }));

  it('rejects a zero idle timeout and a host port in the reserved range', () => {
    expect(check(at('env', 'NEXUS_IDLE_TIMEOUT', { workspace: { idle_timeout: '0s' } }), project({ ports: { web: { port: 80, host_port: 32768 } } })).errors).toEqual([
      'NEXUS_IDLE_TIMEOUT: 0s must be longer than zero; write 0 or never to turn idle pausing off',
      'p.yaml:5:1: ports.web.host_port: host port 32768 is in the reserved range 32768-32799',
    ]);
  });

  it.each(['0', 'never'])('accepts idle_timeout %s (idle pausing off) from any layer', (off) => {
    expect(check(at('env', 'NEXUS_IDLE_TIMEOUT', { workspace: { idle_timeout: off } })).errors).toEqual([]);
    expect(check(project({ workspace: { idle_timeout: off } })).errors).toEqual([]);
  });

  it('a build context or Dockerfile that leaves the repository, from any layer', () => {
    expect(check(project({ workspace: { build: { context: '../..', dockerfile: '/etc/passwd' } } })).errors).toEqual([
      'p.yaml:5:1: workspace.build.context: must stay inside the repository (it leaves it through "..")',
      'p.yaml:5:1: workspace.build.dockerfile: must be relative to the build context, not an absolute path',
    ]);
    expect(check(at('flag', '--set', { workspace: { build: { context: '/' } } })).errors).toEqual(['--set: must be relative to the repository, not an absolute path']);
  });

  it('a port and a service port deriving one PortBinding name, naming both', () => {
    const errors = check(project({ ports: { 'db-5432': { port: 8080 } }, services: { db: { image: 'postgres', ports: [{ port: 5432 }] } } })).errors;
    expect(errors).toEqual(['p.yaml:5:1: services.db.ports: item 0 derives the PortBinding name workspace-db-5432, as ports.db-5432 (project p.yaml:5:1) does; rename one of them']);
    expect(check(project({ ports: { 'db-5433': { port: 8080 } }, services: { db: { image: 'postgres', ports: [{ port: 5432 }] } } })).errors).toEqual([]);
  });
});

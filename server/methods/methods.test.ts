/**
 * The registered methods and the OpenRPC document agree: every method the daemon serves is
 * described (params schema, scope, workspace param) and every described method is served.
 */
import { describe, expect, it } from 'vitest';
import type { ApiServices } from '../rpc/method.ts';
import { compileParamsValidators, loadOpenRpc } from '../rpc/openrpc.ts';
import { coreMethods } from './core/index.ts';
import { methodModules } from './index.ts';

describe('the method registry', () => {
  const doc = loadOpenRpc();
  const services = {} as ApiServices;
  const definitions = [coreMethods(() => ({ methods: [], maxPayload: 0 })), ...methodModules].flatMap((m) => m(services));

  it('serves exactly the methods of schemas/api, with the scope and workspace param the document states', () => {
    expect(definitions.map((d) => d.name).sort()).toEqual(doc.methods.map((m) => m.name).sort());
    for (const definition of definitions) {
      const described = doc.methods.find((m) => m.name === definition.name);
      expect(described?.['x-scope'], definition.name).toBe(definition.scope);
      expect(described?.['x-workspace-param'], definition.name).toBe(definition.workspaceParam);
    }
  });

  it('compiles a params validator for every method; unknown params are refused', () => {
    const validators = compileParamsValidators(doc);
    const get = validators.get('resources.get');
    expect(get?.({ kind: 'Workspace', name: 'a' })).toBe(true);
    expect(get?.({ kind: 'Workspace', name: 'a', extra: 1 })).toBe(false);
    expect(get?.({ kind: 'Pod', name: 'a' })).toBe(false);
    expect(validators.size).toBe(doc.methods.length);
  });
});

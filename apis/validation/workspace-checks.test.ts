import { describe, expect, it } from 'vitest';
import { formatFieldIssue } from '../errors.ts';
import { parseManifestText } from './parse.ts';
import { validateDocument, validateObject } from './validate.ts';

const manifest = (spec: string): string => `apiVersion: nexus.dev/v1alpha1\nkind: Workspace\nmetadata:\n  name: app\nspec:\n${spec}`;

function problems(text: string): string[] {
  return parseManifestText(text, 'ws.yaml').flatMap((doc) => validateDocument(doc).map(formatFieldIssue));
}

describe('Workspace checks beyond the schema', () => {
  it('rejects two declarations deriving one PortBinding name, naming both with file:line:col', () => {
    const text = manifest(`  image: x
  ports:
    db-5432:
      containerPort: 8080
  services:
    db:
      image: postgres
      ports:
        - containerPort: 5432
`);
    expect(problems(text)).toEqual([
      'ws.yaml:14:11: spec.services.db.ports[0]: derives the PortBinding name app-db-5432, as spec.ports.db-5432 (ws.yaml:8:5) does; rename one of them',
    ]);
  });

  it('rejects a build context or Dockerfile that leaves the repository, at the field', () => {
    const text = manifest(`  repository:
    path: .
  build:
    context: ../..
    dockerfile: /etc/passwd
`);
    expect(problems(text)).toEqual([
      'ws.yaml:9:14: spec.build.context: must stay inside the repository (it leaves it through "..")',
      'ws.yaml:10:17: spec.build.dockerfile: must be relative to the build context, not an absolute path',
    ]);
  });

  it('applies to objects without a source too (store admission)', () => {
    const ws = { apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name: 'app' }, spec: { build: { context: '/' }, ports: { 'db-5432': { containerPort: 1 } }, services: { db: { image: 'x', ports: [{ containerPort: 5432 }] } } } };
    expect(validateObject(ws).map(formatFieldIssue)).toEqual([
      'spec.build.context: must be relative to the repository, not an absolute path',
      'spec.services.db.ports[0]: derives the PortBinding name app-db-5432, as spec.ports.db-5432 does; rename one of them',
    ]);
  });

  it('rejects a branch git would refuse and a base ref git would read as an option', () => {
    const text = manifest(`  image: x
  repository:
    path: .
    branch: ../../etc/x
    baseRef: --upload-pack=touch /tmp/x
`);
    expect(problems(text)).toEqual([
      'ws.yaml:9:13: spec.repository.branch: "../../etc/x" is not a valid git branch name (see git check-ref-format: no "..", no component starting with "." or "-", no trailing "/", "." or ".lock")',
      'ws.yaml:10:14: spec.repository.baseRef: must not start with "-" (git would read it as an option)',
    ]);
    expect(problems(manifest('  image: x\n  repository:\n    path: .\n    branch: feature/a-b\n    baseRef: origin/main\n'))).toEqual([]);
  });
});


import { describe, expect, it } from 'vitest';
import { BoulderError, ValidationError } from '../../errors.ts';
import { errorFromResponse, errorFromWatchStatus, fieldIssuesOf } from './status-errors.ts';

const request = { description: 'GET https://k8s/apis/nexus.dev/v1alpha1/workspaces', resource: 'workspaces.nexus.dev' };

function status(code: number, reason: string, message: string, details?: object): object {
  return { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message, ...(details ? { details } : {}) };
}

describe('errorFromResponse', () => {
  it('tells AlreadyExists from Conflict by the reason of a 409', () => {
    const exists = errorFromResponse(409, status(409, 'AlreadyExists', 'workspaces.nexus.dev "a" already exists'), '', request);
    const conflict = errorFromResponse(409, status(409, 'Conflict', 'the object has been modified'), '', request);
    expect([exists.code, exists.message]).toEqual(['AlreadyExists', 'workspaces.nexus.dev "a" already exists']);
    expect(conflict.code).toBe('Conflict');
  });

  it('turns a 422 into a ValidationError with one issue per distinct cause', () => {
    const body = status(422, 'Invalid', 'Workspace.nexus.dev "Bad_x" is invalid: [...]', {
      causes: [
        { reason: 'FieldValueInvalid', message: 'Invalid value: "Bad_x": a lowercase RFC 1123 subdomain …', field: 'metadata.name' },
        { reason: 'FieldValueNotSupported', message: 'Unsupported value: "teleport"', field: 'spec.backend' },
        { reason: 'FieldValueNotSupported', message: 'Unsupported value: "teleport"', field: 'spec.backend' },
      ],
    });
    const err = errorFromResponse(422, body, '', request);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).issues).toEqual([
      { path: 'metadata.name', message: 'Invalid value: "Bad_x": a lowercase RFC 1123 subdomain …' },
      { path: 'spec.backend', message: 'Unsupported value: "teleport"' },
    ]);
    expect(err.message).toContain('spec.backend: Unsupported value');
  });

  it('keeps the message of a 422 without causes', () => {
    expect(fieldIssuesOf({ message: 'no good' })).toEqual([{ path: '', message: 'no good' }]);
  });

  it('maps the other statuses to stable codes', () => {
    const codes = [400, 401, 403, 404, 410, 429, 500, 503, 504].map(
      (code) => errorFromResponse(code, status(code, 'X', `m${code}`, { name: 'a' }), '', request).code,
    );
    expect(codes).toEqual(['BadRequest', 'Forbidden', 'Forbidden', 'NotFound', 'Gone', 'Unavailable', 'Internal', 'Unavailable', 'Timeout']);
  });

  it('explains a 404 for the whole resource (CRDs not installed), not for a named object', () => {
    const missingType = errorFromResponse(404, undefined, '404 page not found', request);
    expect(missingType.message).toContain('does not serve workspaces.nexus.dev');
    expect(missingType.message).toContain('manifests/crds');
    const missingObject = errorFromResponse(404, status(404, 'NotFound', 'workspaces.nexus.dev "x" not found', { name: 'x' }), '', request);
    expect(missingObject.message).toBe('workspaces.nexus.dev "x" not found');
  });

  it('uses the raw body when the answer is not a Status', () => {
    const err = errorFromResponse(500, undefined, 'boom\n', request);
    expect(err).toBeInstanceOf(BoulderError);
    expect(err.message).toContain('HTTP 500: boom');
  });
});

describe('errorFromWatchStatus', () => {
  it('turns an expired resourceVersion into Gone', () => {
    const err = errorFromWatchStatus(status(410, 'Expired', 'too old resource version: 231 (234)'), request);
    expect([err.code, err.message]).toEqual(['Gone', 'too old resource version: 231 (234)']);
  });
});

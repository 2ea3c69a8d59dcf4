/**
 * Turns an error answer of the Kubernetes API server (an HTTP status plus, usually, a
 * `kind: Status` body) into the BoulderError the embedded store would raise for the same
 * situation, so callers never need to know which backend they talk to.
 */
import {
  AlreadyExistsError,
  BoulderError,
  ConflictError,
  GoneError,
  NotFoundError,
  ValidationError,
  type FieldIssue,
} from '../../errors.ts';

/** The parts of a metav1.Status that matter here. */
export interface KubeStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    causes?: { reason?: string; message?: string; field?: string }[];
  };
}

/** True when `body` looks like a metav1.Status. */
export function isKubeStatus(body: unknown): body is KubeStatus {
  return typeof body === 'object' && body !== null && (body as { kind?: unknown }).kind === 'Status';
}

/** Field issues from a 422 Status: one per distinct cause (the API server repeats some). */
export function fieldIssuesOf(status: KubeStatus): FieldIssue[] {
  const seen = new Set<string>();
  const issues: FieldIssue[] = [];
  for (const cause of status.details?.causes ?? []) {
    const issue = { path: cause.field ?? '', message: cause.message ?? cause.reason ?? 'is invalid' };
    const key = `${issue.path}\u0000${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  if (issues.length === 0) issues.push({ path: '', message: status.message ?? 'the object is invalid' });
  return issues;
}

/** What the request was about, for messages the server's answer does not spell out. */
export interface RequestContext {
  /** `GET /apis/...`, for the generic messages. */
  description: string;
  /** `workspaces.nexus.dev`, to explain a 404 for the whole resource. */
  resource?: string;
}

function messageOf(status: number, body: unknown, text: string): string {
  if (isKubeStatus(body) && body.message !== undefined && body.message !== '') return body.message;
  const trimmed = text.trim();
  return trimmed === '' ? `HTTP ${status}` : trimmed;
}

/**
 * The BoulderError for an HTTP error answer. `body` is the parsed JSON body (undefined when it was
 * not JSON) and `text` the raw body.
 */
export function errorFromResponse(status: number, body: unknown, text: string, request: RequestContext): BoulderError {
  const kubeStatus = isKubeStatus(body) ? body : undefined;
  const message = messageOf(status, body, text);
  switch (status) {
    case 400:
      return new BoulderError('BadRequest', message);
    case 401:
      return new BoulderError('Forbidden', `Unauthorized: the API server rejected the credentials (${message})`);
    case 403:
      return new BoulderError('Forbidden', message);
    case 404:
      if (kubeStatus?.details?.name === undefined && request.resource !== undefined) {
        return new NotFoundError(
          `the server does not serve ${request.resource} (${message}); install the CRDs: kubectl apply -f manifests/crds/`,
        );
      }
      return new NotFoundError(message);
    case 409:
      return kubeStatus?.reason === 'AlreadyExists' ? new AlreadyExistsError(message) : new ConflictError(message);
    case 410:
      return new GoneError(message);
    case 422:
      return new ValidationError(fieldIssuesOf(kubeStatus ?? { message }));
    case 429:
    case 503:
      return new BoulderError('Unavailable', `${request.description}: ${message}`);
    case 504:
      return new BoulderError('Timeout', `${request.description}: ${message}`);
    default:
      return new BoulderError('Internal', `${request.description} failed with HTTP ${status}: ${message}`);
  }
}

/** The BoulderError for an ERROR event inside a watch stream (its object is a Status). */
export function errorFromWatchStatus(object: unknown, request: RequestContext): BoulderError {
  const status = isKubeStatus(object) ? object : { message: JSON.stringify(object) };
  return errorFromResponse(status.code ?? 500, status, status.message ?? '', request);
}

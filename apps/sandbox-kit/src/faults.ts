/**
 * Injected faults (`POST /__sandbox/faults`), the same for every sandbox bank (each decides how a
 * bare `status` sounds on its own wire). A fault matches requests by method and path; the
 * first active fault that fires decides what happens to the request.
 *
 * `match.path`:
 *   - starting with `^`: a regular expression tested against the request target as sent
 *     (path plus `?query`), e.g. `^/v1/accounts/[^/]+/transactions`;
 *   - otherwise: a prefix of the request target, e.g. `/token` or `/api/v1/history`.
 *   - absent: every path (except the control API itself, which is never faulted).
 * `match.method`: case-insensitive; absent means any method.
 * `after: N`: the first N matching requests pass untouched (they are still counted as hits).
 * `times: N`: the fault fires N times, then expires (it stays listed, `active: false`).
 * Faults are evaluated in creation order; a request that passes one fault because of `after`
 * is still offered to the next.
 */

export type FaultBody = 'malformed' | Record<string, unknown> | unknown[];

export interface FaultSpec {
  match: { method?: string; path?: string };
  status?: number;
  body?: FaultBody;
  delay_ms?: number;
  times?: number;
  after?: number;
  /** For 429 on OBP paths: the `X-Rate-Limit-Reset` to announce (default: seconds to the next minute). */
  reset_s?: number;
  /** Send this text as the body as it is (`text/plain` unless `headers` name a content type). */
  text?: string;
  /** Extra response headers (e.g. `Retry-After`, a proxy's `Content-Type`). */
  headers?: Record<string, string>;
  /** Drop the connection without an answer (a reset, as a crashing proxy does). */
  reset?: boolean;
}

export interface Fault extends FaultSpec {
  id: string;
  /** Matching requests seen (including those let through by `after`). */
  hits: number;
  /** Times the fault acted on a request. */
  fired: number;
  regex?: RegExp;
}

export class FaultValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

const KEYS = new Set([
  'match',
  'status',
  'body',
  'delay_ms',
  'times',
  'after',
  'reset_s',
  'text',
  'headers',
  'reset',
]);
const MAX_DELAY_MS = 600_000;

export class FaultRegistry {
  private faults: Fault[] = [];
  private nextId = 1;

  add(input: unknown): Fault {
    const spec = validateFault(input);
    const fault: Fault = { id: `fault-${this.nextId++}`, ...spec, hits: 0, fired: 0 };
    if (spec.match.path?.startsWith('^')) fault.regex = new RegExp(spec.match.path);
    this.faults.push(fault);
    return fault;
  }

  clear(): number {
    const n = this.faults.length;
    this.faults = [];
    return n;
  }

  remove(id: string): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((f) => f.id !== id);
    return this.faults.length !== before;
  }

  list(): Array<Record<string, unknown>> {
    return this.faults.map((f) => toView(f));
  }

  /** Counts the request against matching faults and returns the one that fires, if any. */
  take(method: string, target: string): Fault | undefined {
    for (const f of this.faults) {
      if (!isActive(f) || !matches(f, method, target)) continue;
      f.hits++;
      if (f.hits <= (f.after ?? 0)) continue;
      f.fired++;
      return f;
    }
    return undefined;
  }
}

export function toView(f: Fault): Record<string, unknown> {
  return {
    id: f.id,
    match: f.match,
    status: f.status ?? null,
    body: f.body ?? null,
    delay_ms: f.delay_ms ?? null,
    times: f.times ?? null,
    after: f.after ?? null,
    reset_s: f.reset_s ?? null,
    text: f.text ?? null,
    headers: f.headers ?? null,
    reset: f.reset ?? false,
    hits: f.hits,
    fired: f.fired,
    active: isActive(f),
  };
}

function isActive(f: Fault): boolean {
  return f.times === undefined || f.fired < f.times;
}

function matches(f: Fault, method: string, target: string): boolean {
  if (f.match.method && f.match.method.toUpperCase() !== method.toUpperCase()) return false;
  const path = f.match.path;
  if (path === undefined) return true;
  if (f.regex) return f.regex.test(target);
  return target.startsWith(path);
}

export function validateFault(input: unknown): FaultSpec {
  const problems: string[] = [];
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new FaultValidationError(['body must be a JSON object']);
  const o = input as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!KEYS.has(k)) problems.push(`unknown field ${JSON.stringify(k)}`);

  const match: FaultSpec['match'] = {};
  if (o.match !== undefined) {
    if (typeof o.match !== 'object' || o.match === null || Array.isArray(o.match))
      problems.push('match must be an object');
    else {
      const m = o.match as Record<string, unknown>;
      for (const k of Object.keys(m))
        if (k !== 'method' && k !== 'path') problems.push(`unknown match field ${JSON.stringify(k)}`);
      if (m.method !== undefined) {
        if (typeof m.method !== 'string' || !/^[A-Za-z]+$/.test(m.method))
          problems.push('match.method must be an HTTP method');
        else match.method = m.method.toUpperCase();
      }
      if (m.path !== undefined) {
        if (typeof m.path !== 'string' || m.path === '')
          problems.push('match.path must be a non-empty string');
        else {
          if (m.path.startsWith('^')) {
            try {
              new RegExp(m.path);
            } catch (e) {
              problems.push(`match.path is not a valid regular expression: ${(e as Error).message}`);
            }
          }
          match.path = m.path;
        }
      }
    }
  }
  const spec: FaultSpec = { match };
  if (o.status !== undefined) {
    if (!isInt(o.status) || o.status < 100 || o.status > 599)
      problems.push('status must be an integer 100..599');
    else spec.status = o.status;
  }
  if (o.body !== undefined) {
    if (o.body === 'malformed' || (typeof o.body === 'object' && o.body !== null))
      spec.body = o.body as FaultBody;
    else problems.push('body must be "malformed" or a JSON object/array');
  }
  if (o.delay_ms !== undefined) {
    if (!isInt(o.delay_ms) || o.delay_ms < 0 || o.delay_ms > MAX_DELAY_MS)
      problems.push(`delay_ms must be an integer 0..${MAX_DELAY_MS}`);
    else spec.delay_ms = o.delay_ms;
  }
  if (o.times !== undefined) {
    if (!isInt(o.times) || o.times < 1) problems.push('times must be an integer >= 1');
    else spec.times = o.times;
  }
  if (o.after !== undefined) {
    if (!isInt(o.after) || o.after < 0) problems.push('after must be an integer >= 0');
    else spec.after = o.after;
  }
  if (o.reset_s !== undefined) {
    if (!isInt(o.reset_s) || o.reset_s < 0 || o.reset_s > 86_400)
      problems.push('reset_s must be an integer 0..86400');
    else spec.reset_s = o.reset_s;
  }
  if (o.text !== undefined) {
    if (typeof o.text !== 'string' || o.text.length > 65_536)
      problems.push('text must be a string of at most 64 KiB');
    else if (spec.body !== undefined) problems.push('give either body or text, not both');
    else spec.text = o.text;
  }
  if (o.headers !== undefined) {
    const h = o.headers as Record<string, unknown>;
    const ok =
      typeof h === 'object' &&
      h !== null &&
      !Array.isArray(h) &&
      Object.entries(h).every(
        ([k, v]) => /^[A-Za-z0-9-]{1,64}$/.test(k) && typeof v === 'string' && !/[\r\n]/.test(v),
      );
    if (!ok) problems.push('headers must be an object of header names to single-line strings');
    else spec.headers = h as Record<string, string>;
  }
  if (o.reset !== undefined) {
    if (typeof o.reset !== 'boolean') problems.push('reset must be true or false');
    else spec.reset = o.reset;
  }
  if (
    spec.status === undefined &&
    spec.body === undefined &&
    spec.text === undefined &&
    spec.delay_ms === undefined &&
    !spec.reset
  ) {
    problems.push('a fault needs at least one of status, body, text, delay_ms, reset');
  }
  if (problems.length) throw new FaultValidationError(problems);
  return spec;
}

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v);
}

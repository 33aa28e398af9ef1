import type { FieldError } from './problem.js';

/**
 * Edge checks on everything a request carries into the handlers (query, path parameters, JSON
 * body), before any DTO or SQL sees it:
 * - no control characters (U+0000-U+001F, U+007F) and no lone UTF-16 surrogates in any string or
 *   key — PostgreSQL refuses NUL in text, and control characters forge log lines;
 * - bounded strings (query and path values ≤ {@link MAX_PARAM_CHARS});
 * - bounded nesting (≤ {@link MAX_DEPTH} levels), so no recursive step later (class-transformer,
 *   canonical JSON for idempotency) can exhaust the stack.
 * Each problem is a `validation_failed` field error.
 */
export const MAX_DEPTH = 32;
export const MAX_PARAM_CHARS = 2048;
export const MAX_BODY_STRING_CHARS = 65_536;
const MAX_ERRORS = 10;

const CONTROL = /[\u0000-\u001f\u007f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function stringProblem(value: string, max: number, anyCharacter = false): string | null {
  if (!anyCharacter && CONTROL.test(value)) return 'must not contain control characters';
  if (!anyCharacter && LONE_SURROGATE.test(value)) return 'must be well-formed Unicode';
  if (value.length > max) return `must be at most ${max} characters`;
  return null;
}

/** Problems of a flat map of query or path values (strings, or arrays of strings when repeated). */
export function checkParams(values: unknown, where: string): FieldError[] {
  const errors: FieldError[] = [];
  if (!values || typeof values !== 'object') return errors;
  for (const [key, raw] of Object.entries(values as Record<string, unknown>)) {
    const keyProblem = stringProblem(key, 256);
    if (keyProblem) {
      errors.push({ field: where, message: `a parameter name ${keyProblem}` });
      continue;
    }
    for (const v of Array.isArray(raw) ? raw : [raw]) {
      if (typeof v !== 'string') continue;
      const problem = stringProblem(v, MAX_PARAM_CHARS);
      if (problem) {
        errors.push({ field: key, message: `${key} ${problem}` });
        break;
      }
    }
    if (errors.length >= MAX_ERRORS) break;
  }
  return errors;
}

/**
 * Problems of a parsed JSON body: depth, strings and keys (iterative: depth is what is checked).
 * With `anyCharacter`, strings and keys may hold any character JSON can carry (control characters,
 * NUL and lone surrogates included); depth and length are still checked. That is for bodies a
 * third party sends, stored as raw bytes, whose used fields are checked by their own seam.
 */
export function checkBody(body: unknown, opts: { anyCharacter?: boolean } = {}): FieldError[] {
  const anyCharacter = opts.anyCharacter === true;
  const errors: FieldError[] = [];
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value: body, path: '', depth: 0 }];
  while (stack.length && errors.length < MAX_ERRORS) {
    const { value, path, depth } = stack.pop()!;
    const field = path || 'body';
    if (typeof value === 'string') {
      const problem = stringProblem(value, MAX_BODY_STRING_CHARS, anyCharacter);
      if (problem) errors.push({ field, message: `${field} ${problem}` });
      continue;
    }
    if (!value || typeof value !== 'object') continue;
    if (depth >= MAX_DEPTH) {
      errors.push({ field: 'body', message: `the body must not nest deeper than ${MAX_DEPTH} levels` });
      break;
    }
    const entries = Array.isArray(value)
      ? value.map((v, i) => [String(i), v] as const)
      : Object.entries(value as Record<string, unknown>);
    for (const [key, v] of entries) {
      const keyProblem = Array.isArray(value) ? null : stringProblem(key, 256, anyCharacter);
      if (keyProblem) {
        errors.push({ field, message: `a field name ${keyProblem}` });
        break;
      }
      stack.push({ value: v, path: path ? `${path}.${key}` : key, depth: depth + 1 });
    }
  }
  return errors;
}

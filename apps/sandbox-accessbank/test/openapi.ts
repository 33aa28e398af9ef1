/**
 * Validation of the sandbox's responses against the official NextGenPSD2 1.3.11 OpenAPI file
 * (test/fixtures, with its NOTICE): the file is dereferenced with @apidevtools/swagger-parser and
 * each response body is checked against the response schema of its operation and status by the
 * small OpenAPI 3.0 schema checker below.
 *
 * The checker is stricter than the file in two ways, to catch our own mistakes: patterns must
 * match the whole value, and an object may carry only the properties its schema declares (unless
 * the schema has `additionalProperties`). The adorsys copy of the file lost the message-code
 * enums, so error codes are checked against the Implementation Guidelines' table (BG 1.3.x).
 */
import { isIP } from 'node:net';
import { fileURLToPath } from 'node:url';

import SwaggerParser from '@apidevtools/swagger-parser';

type Schema = Record<string, any>;

const FILE = fileURLToPath(new URL('./fixtures/psd2-api_v1.3.11-2021-10-01v1.yaml', import.meta.url));

let doc: Promise<any> | undefined;
export function openApi(): Promise<any> {
  doc ??= SwaggerParser.dereference(FILE);
  return doc;
}

/** AIS message codes allowed per HTTP status (Implementation Guidelines, research notes §2.7). */
export const AIS_CODES: Record<number, readonly string[]> = {
  400: [
    'FORMAT_ERROR',
    'PARAMETER_NOT_CONSISTENT',
    'PARAMETER_NOT_SUPPORTED',
    'SERVICE_INVALID',
    'RESOURCE_UNKNOWN',
    'RESOURCE_EXPIRED',
    'RESOURCE_BLOCKED',
    'TIMESTAMP_INVALID',
    'PERIOD_INVALID',
    'SCA_METHOD_UNKNOWN',
    'SCA_INVALID',
    'CONSENT_UNKNOWN',
    'SESSIONS_NOT_SUPPORTED',
  ],
  401: [
    'CERTIFICATE_INVALID',
    'ROLE_INVALID',
    'CERTIFICATE_EXPIRED',
    'CERTIFICATE_BLOCKED',
    'CERTIFICATE_REVOKED',
    'CERTIFICATE_MISSING',
    'SIGNATURE_INVALID',
    'SIGNATURE_MISSING',
    'CORPORATE_ID_INVALID',
    'PSU_CREDENTIALS_INVALID',
    'CONSENT_INVALID',
    'CONSENT_EXPIRED',
    'TOKEN_UNKNOWN',
    'TOKEN_INVALID',
    'TOKEN_EXPIRED',
  ],
  403: ['CONSENT_UNKNOWN', 'SERVICE_BLOCKED', 'RESOURCE_UNKNOWN', 'RESOURCE_EXPIRED'],
  404: ['RESOURCE_UNKNOWN'],
  405: ['SERVICE_INVALID'],
  406: ['REQUESTED_FORMATS_INVALID'],
  409: ['STATUS_INVALID'],
  429: ['ACCESS_EXCEEDED'],
};

/** Problems of `value` against `schema` (empty when valid). */
export function check(schema: Schema, value: unknown, path = '$'): string[] {
  const out: string[] = [];
  if (schema.allOf) for (const s of schema.allOf as Schema[]) out.push(...check(s, value, path));
  if (schema.oneOf) {
    const ok = (schema.oneOf as Schema[]).filter((s) => check(s, value, path).length === 0).length;
    if (ok !== 1) out.push(`${path}: matches ${ok} of the oneOf alternatives`);
  }
  if (schema.anyOf && !(schema.anyOf as Schema[]).some((s) => check(s, value, path).length === 0))
    out.push(`${path}: matches none of the anyOf alternatives`);
  if (value === null) {
    if (!schema.nullable && schema.type) out.push(`${path}: null`);
    return out;
  }
  const type = schema.type as string | undefined;
  if (type === 'object' || (!type && (schema.properties || schema.required))) {
    if (typeof value !== 'object' || Array.isArray(value)) return [...out, `${path}: not an object`];
    const o = value as Record<string, unknown>;
    for (const r of (schema.required ?? []) as string[])
      if (o[r] === undefined) out.push(`${path}: required property ${r} missing`);
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const [k, v] of Object.entries(o)) {
      if (props[k]) out.push(...check(props[k], v, `${path}.${k}`));
      else if (typeof schema.additionalProperties === 'object')
        out.push(...check(schema.additionalProperties as Schema, v, `${path}.${k}`));
      else if (schema.additionalProperties === undefined && schema.properties)
        out.push(`${path}: property ${k} is not in the schema`);
      else if (schema.additionalProperties === false) out.push(`${path}: property ${k} not allowed`);
    }
    return out;
  }
  if (type === 'array') {
    if (!Array.isArray(value)) return [...out, `${path}: not an array`];
    if (schema.maxItems !== undefined && value.length > schema.maxItems) out.push(`${path}: too many items`);
    if (schema.minItems !== undefined && value.length < schema.minItems) out.push(`${path}: too few items`);
    value.forEach((v, i) => out.push(...check(schema.items as Schema, v, `${path}[${i}]`)));
    return out;
  }
  if (type === 'string') {
    if (typeof value !== 'string') return [...out, `${path}: not a string (${JSON.stringify(value)})`];
    if (schema.maxLength !== undefined && value.length > schema.maxLength)
      out.push(`${path}: longer than ${schema.maxLength}`);
    if (schema.minLength !== undefined && value.length < schema.minLength)
      out.push(`${path}: shorter than ${schema.minLength}`);
    if (schema.pattern && !new RegExp(`^(?:${schema.pattern})$`).test(value))
      out.push(`${path}: ${JSON.stringify(value)} does not match ${schema.pattern}`);
    if (schema.enum && !(schema.enum as unknown[]).includes(value))
      out.push(`${path}: ${JSON.stringify(value)} is not one of ${(schema.enum as string[]).join('|')}`);
    const f = schema.format as string | undefined;
    if (f === 'date' && !isDate(value)) out.push(`${path}: ${value} is not a date`);
    if (f === 'date-time' && !isDateTime(value)) out.push(`${path}: ${value} is not a date-time`);
    if (f === 'uuid' && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value))
      out.push(`${path}: ${value} is not a uuid`);
    return out;
  }
  if (type === 'integer' || type === 'number') {
    if (typeof value !== 'number' || (type === 'integer' && !Number.isInteger(value)))
      return [...out, `${path}: not an ${type}`];
    if (schema.minimum !== undefined && value < schema.minimum) out.push(`${path}: below ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) out.push(`${path}: above ${schema.maximum}`);
    return out;
  }
  if (type === 'boolean' && typeof value !== 'boolean') out.push(`${path}: not a boolean`);
  return out;
}

function isDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

function isDateTime(s: string): boolean {
  return (
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s))
  );
}

/**
 * Checks one response against the file: the status must be declared for the operation, the body
 * must match the JSON schema of that response (or be absent when the file declares no content),
 * and an error's message codes must be the standard's for that status.
 */
export async function validateResponse(
  template: string,
  method: string,
  status: number,
  body: unknown,
): Promise<string[]> {
  const api = await openApi();
  // A method the path does not offer is answered like the path's other operations answer 405.
  const ops = api.paths[template] ?? {};
  const op = ops[method.toLowerCase()] ?? (status === 405 ? Object.values<any>(ops)[0] : undefined);
  if (!op) return [`no operation ${method} ${template} in the OpenAPI file`];
  const response = op.responses[String(status)];
  if (!response) return [`${method} ${template}: status ${status} is not declared`];
  const schema = response.content?.['application/json']?.schema as Schema | undefined;
  if (!schema)
    return body === undefined ? [] : [`${method} ${template} ${status}: the file declares no body`];
  if (body === undefined) return [`${method} ${template} ${status}: body missing`];
  const problems = check(schema, body);
  if (status >= 400) {
    const msgs = (body as { tppMessages?: Array<{ code: string; text?: string }> }).tppMessages;
    if (!Array.isArray(msgs) || msgs.length === 0) problems.push('$.tppMessages: missing or empty');
    for (const m of msgs ?? []) {
      if (!(AIS_CODES[status] ?? []).includes(m.code))
        problems.push(`$.tppMessages: code ${m.code} is not an AIS code for HTTP ${status}`);
      if (typeof m.text !== 'string' || m.text.length === 0) problems.push('$.tppMessages: text missing');
    }
  }
  return problems;
}

/** One request as a client sent it, for {@link validateRequest}. */
export interface RecordedRequest {
  readonly method: string;
  /** The path and query (`/v1/accounts/…/transactions?bookingStatus=both&…`). */
  readonly target: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: unknown;
}

/**
 * Checks a client's request against the file (what a bank built from it may insist on): the
 * operation exists, every required header and query parameter is present, every parameter the
 * operation declares has a value its schema allows (an `X-Request-ID` that is a UUID, a
 * `bookingStatus` of the enum, ISO dates…), no query parameter the operation does not declare,
 * and the JSON body matches the request schema. `ipv4`-format headers must be IP addresses.
 */
export async function validateRequest(template: string, req: RecordedRequest): Promise<string[]> {
  const api = await openApi();
  const op = api.paths[template]?.[req.method.toLowerCase()];
  if (!op) return [`no operation ${req.method} ${template} in the OpenAPI file`];
  const where = `${req.method} ${template}`;
  const url = new URL(req.target, 'http://bank.invalid');
  const out: string[] = [];
  const params = [...(api.paths[template].parameters ?? []), ...(op.parameters ?? [])] as Array<{
    name: string;
    in: string;
    required?: boolean;
    schema?: Schema;
  }>;
  for (const p of params) {
    let value: unknown;
    if (p.in === 'header') value = req.headers[p.name.toLowerCase()];
    else if (p.in === 'query') value = url.searchParams.get(p.name) ?? undefined;
    else continue;
    if (value === undefined) {
      if (p.required) out.push(`${where}: required ${p.in} ${p.name} missing`);
      continue;
    }
    const schema = { ...(p.schema ?? {}) };
    if (schema.type === 'boolean' && (value === 'true' || value === 'false')) continue;
    if ((schema.type === 'integer' || schema.type === 'number') && /^-?\d+(\.\d+)?$/.test(String(value)))
      value = Number(value);
    if (schema.format === 'ipv4' || schema.format === 'ipv6') {
      if (!isIP(String(value))) out.push(`${where}: ${p.name} ${String(value)} is not an IP address`);
      delete schema.format;
    }
    out.push(...check(schema, value, `${p.in} ${p.name}`));
  }
  const declared = new Set(params.filter((p) => p.in === 'query').map((p) => p.name));
  for (const name of url.searchParams.keys())
    if (!declared.has(name)) out.push(`${where}: query parameter ${name} is not declared`);
  const bodySchema = op.requestBody?.content?.['application/json']?.schema as Schema | undefined;
  if (req.body !== undefined) {
    if (!bodySchema) out.push(`${where}: the operation takes no JSON body`);
    else out.push(...check(bodySchema, req.body, 'body'));
  } else if (op.requestBody?.required && bodySchema) out.push(`${where}: body missing`);
  return out;
}

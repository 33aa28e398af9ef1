import type { Capability } from '#domain/permissions.js';
import type { ProviderId } from '#domain/provider.js';
import { isConnectorError } from './connector-errors.js';
import { redact } from './excerpt.js';

/**
 * Re-validation (architecture.md): a pass that reads every resource of a provider once and compares
 * what the bank sends with what the connector's wire guards expect, so that a bank whose API
 * shifts is noticed before it stales the data. This module is provider-neutral: the report model,
 * a small declarative wire-schema language, the schema diff and the report's text form. Each
 * provider folder declares its resources' schemas and runs the pass (`alif-mobi.revalidate.ts`).
 *
 * The report is data: it never fails on what the connector does not need, and it carries no
 * secret — JSON paths, JSON types and (for closed value sets) the new code, never a field's value,
 * a token or a card number.
 */

// ---------------------------------------------------------------------------------------------
// The schema language

/** JSON types as the diff names them. */
export type JsonType = 'string' | 'number' | 'boolean' | 'object' | 'array' | 'null';

/**
 * How a field's absence is judged:
 * - `required`: the guard refuses the body without it (absent or null): `missing_field`;
 * - `expected`: the connector reads it and banks send it (null allowed: OBP views moderate fields
 *   to null); an absent key is `missing_field`;
 * - `optional`: the connector copes without it (extensions, alternatives, newer OBP versions);
 *   never seeing it is a note, not drift.
 */
export type Presence = 'required' | 'expected' | 'optional';

/** One node of a wire schema. */
export interface WireSchema {
  /** `any`: a field known to be sent and not read; its contents are not checked. */
  readonly type: Exclude<JsonType, 'null'> | 'any';
  readonly presence: Presence;
  /** True when the connector's guard reads the field (its type then matters). */
  readonly read: boolean;
  /** Object members, by name. */
  readonly fields?: Readonly<Record<string, WireSchema>>;
  /** Objects: groups of member names of which at least one must be present. */
  readonly anyOf?: readonly (readonly string[])[];
  /** Array items. */
  readonly items?: WireSchema;
  /** Strings: the name of the closed value set the mappers know (see {@link EnumCheckers}). */
  readonly enum?: string;
  /** Never noted when it carries no value (absent by design on some endpoint, a legacy alias). */
  readonly quiet?: boolean;
}

type Options = { readonly presence?: Presence; readonly enum?: string };

/** Builders of {@link WireSchema}s: `s.object({ id: s.string(), tags: s.ignored() })`. */
export const s = {
  string: (o: Options = {}): WireSchema => ({
    type: 'string',
    presence: o.presence ?? 'expected',
    read: true,
    ...(o.enum ? { enum: o.enum } : {}),
  }),
  number: (o: Options = {}): WireSchema => ({
    type: 'number',
    presence: o.presence ?? 'expected',
    read: true,
  }),
  boolean: (o: Options = {}): WireSchema => ({
    type: 'boolean',
    presence: o.presence ?? 'expected',
    read: true,
  }),
  object: (
    fields: Readonly<Record<string, WireSchema>>,
    o: Options & { readonly anyOf?: readonly (readonly string[])[] } = {},
  ): WireSchema => ({
    type: 'object',
    presence: o.presence ?? 'expected',
    read: true,
    fields,
    ...(o.anyOf ? { anyOf: o.anyOf } : {}),
  }),
  array: (items: WireSchema, o: Options = {}): WireSchema => ({
    type: 'array',
    presence: o.presence ?? 'expected',
    read: true,
    items,
  }),
  /** A field the bank sends that the connector does not read: known, so not `unknown_field`. */
  ignored: (): WireSchema => ({ type: 'any', presence: 'optional', read: false }),
  /** The same node, optional. */
  optional: (node: WireSchema): WireSchema => ({ ...node, presence: 'optional' }),
  /** The same node, required. */
  required: (node: WireSchema): WireSchema => ({ ...node, presence: 'required' }),
  /** The same node, optional and never noted when absent. */
  quiet: (node: WireSchema): WireSchema => ({ ...node, presence: 'optional', quiet: true }),
};

/** Is `value` a code the mappers know? One checker per {@link WireSchema.enum} name. */
export type EnumCheckers = Readonly<Record<string, (value: string) => boolean>>;

/** The JSON paths (`$.accounts[].id`) of every field the schema says the connector reads. */
export function readPaths(schema: WireSchema, path = '$'): string[] {
  const out: string[] = [];
  if (schema.fields) {
    for (const [name, field] of Object.entries(schema.fields)) {
      if (!field.read) continue;
      const p = `${path}.${name}`;
      out.push(p, ...readPaths(field, p));
    }
  }
  if (schema.items?.read) out.push(...readPaths(schema.items, `${path}[]`));
  return out;
}

// ---------------------------------------------------------------------------------------------
// The report model

/** What one call (or the worst of a resource's calls) came to. */
export type ResourceState = 'ok' | 'unsupported' | 'forbidden' | 'failed' | 'skipped';

/** Drift: what the bank sends differs from the schema. */
export type DriftKind = 'unknown_field' | 'missing_field' | 'type_changed' | 'new_enum_value';

export const DRIFT_KINDS: readonly DriftKind[] = [
  'unknown_field',
  'missing_field',
  'type_changed',
  'new_enum_value',
];

/** One drift finding, aggregated over every item and call of its resource. */
export interface DriftFinding {
  readonly kind: DriftKind;
  /** Normalised JSON path: `$.transactions[].details.type`. */
  readonly path: string;
  /** The schema's type (`string`, `present`, `a known code`). */
  readonly expected: string;
  /** The JSON type seen (`number`, `absent`, `null`), or for `new_enum_value` the code, JSON-quoted. */
  readonly actual: string;
  /** How many times it was seen. */
  readonly count: number;
  /** The first concrete place it was seen (`$.transactions[3].details.type`). */
  readonly at: string;
}

/**
 * Not drift, but worth knowing: a field the connector reads that never carried a value in this
 * pass (always null: hidden by the view; or never sent although optional).
 */
export interface DriftNote {
  readonly kind: 'no_value';
  readonly path: string;
  /** `null`, `empty` (an empty list) or `absent`. */
  readonly actual: 'null' | 'empty' | 'absent';
}

/** A call that did not answer 2xx with JSON. */
export interface ResourceError {
  /** `GET /banks/{BANK_ID}/accounts/{ACCOUNT_ID}/{VIEW_ID}/balances`: a template, no ids. */
  readonly target: string;
  /** The account, masked (`…9f0`), when the resource is per account. */
  readonly account: string | null;
  readonly state: Exclude<ResourceState, 'ok' | 'skipped'>;
  /** The connector error kind (`unsupported`, `not_permitted`, `transient`…). */
  readonly error: string;
  readonly status: number | null;
  /** The bank's code (`OBP-40018`). */
  readonly code: string | null;
}

/** One resource of the provider, over all its calls (one per account for per-account resources). */
export interface ResourceCheck {
  readonly resource: string;
  /** The capability the resource belongs to (a consent not granting it skips the resource). */
  readonly capability: Capability;
  /** `ok` when every call answered, else the worst state of its calls; `skipped` when not read. */
  readonly state: ResourceState;
  readonly calls: number;
  /** List items (or bodies) compared with the schema. */
  readonly items: number;
  readonly errors: readonly ResourceError[];
  readonly findings: readonly DriftFinding[];
  readonly notes: readonly DriftNote[];
  /** Why the resource was skipped, or other facts about the pass (`read through view X`). */
  readonly info: readonly string[];
}

/** The outcome of a re-validation pass. */
export interface DriftReport {
  readonly provider: ProviderId;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly resources: readonly ResourceCheck[];
  /** Drift findings over all resources. */
  readonly driftCount: number;
  /** Resources that were read and did not answer (`unsupported`, `forbidden`, `failed`). */
  readonly unreachableCount: number;
  /** True when something drifted or a resource is unreachable. */
  readonly drifted: boolean;
}

/** What a caller may tell the pass. */
export interface RevalidateOptions {
  /** Capabilities the consent lets Hisob read; other resources are `skipped`. All by default. */
  readonly reads?: readonly Capability[];
  /** Cancels the pass's calls (worker shutdown). */
  readonly signal?: AbortSignal;
}

// ---------------------------------------------------------------------------------------------
// The diff

/** The JSON type of a parsed value. */
export function jsonType(value: unknown): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const t = typeof value;
  return t === 'string' || t === 'number' || t === 'boolean' ? t : 'object';
}

/**
 * A code as the report may show it: at most 40 characters, control characters dropped, digit runs
 * that could be a card or account number masked (a code never needs them).
 */
export function safeCode(value: string): string {
  const clean = redact(value.replace(/[\u0000-\u001f\u007f]/g, '')).replace(
    /\d{6,}/g,
    (d) => `…${d.slice(-2)}`,
  );
  return clean.length > 40 ? `${clean.slice(0, 39)}…` : clean;
}

/** Masks an id to its last three characters (`…9f0`): enough to tell accounts apart in a report. */
export function maskId(id: string): string {
  return id.length <= 3 ? '…' : `…${id.slice(-3)}`;
}

/**
 * Collects the diff of many bodies of one resource against its schema: findings aggregated by
 * kind, path and types; notes on read fields that never carried a value.
 */
export class SchemaDiff {
  private readonly findings = new Map<string, { -readonly [K in keyof DriftFinding]: DriftFinding[K] }>();
  /** Per read field (normalised path): parents seen, values seen, nulls seen. */
  private readonly seen = new Map<
    string,
    { parents: number; values: number; nulls: number; empties: number }
  >();
  /** Bodies compared. */
  bodies = 0;

  constructor(
    private readonly schema: WireSchema,
    private readonly enums: EnumCheckers = {},
  ) {}

  /** Compares one parsed body. */
  add(body: unknown): this {
    this.bodies++;
    this.walk(body, this.schema, '$', '$');
    return this;
  }

  /** Drift findings so far, in path order. */
  drift(): DriftFinding[] {
    return [...this.findings.values()].sort(
      (a, b) => a.path.localeCompare(b.path) || a.kind.localeCompare(b.kind),
    );
  }

  /** Read fields that never carried a value (only where their parent object was seen). */
  notes(): DriftNote[] {
    const out: DriftNote[] = [];
    for (const [path, n] of this.seen) {
      if (n.parents > 0 && n.values === 0)
        out.push({
          kind: 'no_value',
          path,
          actual: n.nulls > 0 ? 'null' : n.empties > 0 ? 'empty' : 'absent',
        });
    }
    return out.sort((a, b) => a.path.localeCompare(b.path));
  }

  private report(kind: DriftKind, path: string, at: string, expected: string, actual: string): void {
    const key = `${kind}\u0000${path}\u0000${expected}\u0000${actual}`;
    const f = this.findings.get(key);
    if (f) f.count++;
    else this.findings.set(key, { kind, path, expected, actual, count: 1, at });
  }

  private tally(path: string, field: 'parents' | 'values' | 'nulls' | 'empties'): void {
    let n = this.seen.get(path);
    if (!n) this.seen.set(path, (n = { parents: 0, values: 0, nulls: 0, empties: 0 }));
    n[field]++;
  }

  private walk(value: unknown, schema: WireSchema, path: string, at: string): void {
    if (value === null || value === undefined) {
      if (schema.presence === 'required')
        this.report('missing_field', path, at, schema.type, jsonType(value ?? null));
      return;
    }
    if (schema.type === 'any') return;
    const actual = jsonType(value);
    if (actual !== schema.type) {
      this.report('type_changed', path, at, schema.type, actual);
      return;
    }
    if (schema.enum !== undefined && typeof value === 'string') {
      const known = this.enums[schema.enum];
      if (known && !known(value))
        this.report('new_enum_value', path, at, `a known ${schema.enum}`, JSON.stringify(safeCode(value)));
    }
    if (Array.isArray(value) && schema.items) {
      const items = schema.items;
      value.forEach((item, i) => {
        // A list item is never null on the wire the guards accept (OBP moderates fields, not items).
        if (item === null && items.type !== 'any')
          this.report('type_changed', `${path}[]`, `${at}[${i}]`, items.type, 'null');
        else this.walk(item, items, `${path}[]`, `${at}[${i}]`);
      });
      return;
    }
    if (actual === 'object' && schema.fields)
      this.walkObject(value as Record<string, unknown>, schema, path, at);
  }

  private walkObject(o: Record<string, unknown>, schema: WireSchema, path: string, at: string): void {
    const fields = schema.fields!;
    for (const [name, member] of Object.entries(o)) {
      if (!Object.hasOwn(fields, name))
        this.report('unknown_field', `${path}.${name}`, `${at}.${name}`, 'no such field', jsonType(member));
    }
    for (const [name, field] of Object.entries(fields)) {
      const p = `${path}.${name}`;
      const v = o[name];
      if (field.read && field.presence !== 'required' && !field.quiet) {
        this.tally(p, 'parents');
        if (v === null) this.tally(p, 'nulls');
        else if (Array.isArray(v) && v.length === 0) this.tally(p, 'empties');
        else if (v !== undefined) this.tally(p, 'values');
      }
      if (v === undefined) {
        if (field.presence !== 'optional')
          this.report('missing_field', p, `${at}.${name}`, field.type, 'absent');
        continue;
      }
      this.walk(v, field, p, `${at}.${name}`);
    }
    for (const group of schema.anyOf ?? []) {
      if (group.every((name) => o[name] === undefined || o[name] === null)) {
        this.report(
          'missing_field',
          `${path}.${group.join('|')}`,
          `${at}.${group.join('|')}`,
          'one of them',
          'absent',
        );
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Building a report

/** The state of a failed call, from the connector error it raised. */
export function stateOf(err: unknown): Exclude<ResourceState, 'ok' | 'skipped'> {
  if (!isConnectorError(err)) return 'failed';
  if (err.kind === 'unsupported') return 'unsupported';
  if (err.kind === 'not_permitted') return 'forbidden';
  return 'failed';
}

/** A {@link ResourceError} from whatever a call threw (connector errors; anything else is `failed`). */
export function resourceError(target: string, account: string | null, err: unknown): ResourceError {
  const c = isConnectorError(err) ? err : null;
  return {
    target,
    account: account === null ? null : maskId(account),
    state: stateOf(err),
    error: c?.kind ?? 'internal',
    status: c?.status ?? null,
    code: c?.providerCode ?? null,
  };
}

const SEVERITY: Readonly<Record<ResourceState, number>> = {
  skipped: 0,
  ok: 1,
  unsupported: 2,
  forbidden: 3,
  failed: 4,
};

/** Accumulates one resource's calls while a pass runs. */
export class ResourceProbe {
  readonly diff: SchemaDiff;
  private calls = 0;
  private readonly errors: ResourceError[] = [];
  private readonly info = new Set<string>();
  private skipped: string | null = null;

  constructor(
    readonly resource: string,
    readonly capability: Capability,
    schema: WireSchema,
    enums: EnumCheckers = {},
  ) {
    this.diff = new SchemaDiff(schema, enums);
  }

  /** A call that answered with a JSON body. */
  answered(body: unknown): void {
    this.calls++;
    this.diff.add(body);
  }

  /** A call that failed. */
  failed(error: ResourceError): void {
    this.calls++;
    this.errors.push(error);
  }

  skip(reason: string): void {
    this.skipped = reason;
  }

  note(fact: string): void {
    this.info.add(fact);
  }

  check(): ResourceCheck {
    const state =
      this.calls === 0
        ? 'skipped'
        : this.errors.reduce<ResourceState>((w, e) => (SEVERITY[e.state] > SEVERITY[w] ? e.state : w), 'ok');
    return {
      resource: this.resource,
      capability: this.capability,
      state,
      calls: this.calls,
      items: this.diff.bodies,
      errors: this.errors,
      findings: this.diff.drift(),
      notes: this.diff.notes(),
      info: [...(this.calls === 0 && this.skipped ? [this.skipped] : []), ...this.info],
    };
  }
}

/** Assembles the report from the resources' checks. */
export function driftReport(
  provider: ProviderId,
  startedAt: Date,
  finishedAt: Date,
  resources: readonly ResourceCheck[],
): DriftReport {
  const driftCount = resources.reduce((n, r) => n + r.findings.length, 0);
  const unreachableCount = resources.filter((r) => r.state !== 'ok' && r.state !== 'skipped').length;
  return {
    provider,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    resources,
    driftCount,
    unreachableCount,
    drifted: driftCount > 0 || unreachableCount > 0,
  };
}

/** Gauge kinds: the drift kinds, and the states of a resource that did not answer. */
export const GAUGE_KINDS = [...DRIFT_KINDS, 'unsupported', 'forbidden', 'failed'] as const;
export type GaugeKind = (typeof GAUGE_KINDS)[number];

/**
 * The report as gauge samples (`hisob_provider_drift{provider,resource,kind}`): per resource and
 * kind, the number of distinct findings, or of calls in that state. Every kind of every resource
 * is present (0 when clean), so an alert can say `> 0` and a vanished series means no report.
 */
export function driftCounts(
  report: DriftReport,
): Array<{ resource: string; kind: GaugeKind; value: number }> {
  const out: Array<{ resource: string; kind: GaugeKind; value: number }> = [];
  for (const r of report.resources) {
    for (const kind of GAUGE_KINDS) {
      const value = (DRIFT_KINDS as readonly string[]).includes(kind)
        ? r.findings.filter((f) => f.kind === kind).length
        : r.errors.filter((e) => e.state === kind).length;
      out.push({ resource: r.resource, kind, value });
    }
  }
  return out;
}

/** The report as one log line's fields: states, findings and failed calls (paths, types, codes). */
export function summariseReport(report: DriftReport): Record<string, unknown> {
  return {
    provider: report.provider,
    drifted: report.drifted,
    drift_count: report.driftCount,
    unreachable_count: report.unreachableCount,
    resources: Object.fromEntries(report.resources.map((r) => [r.resource, r.state])),
    findings: report.resources.flatMap((r) =>
      r.findings.map((f) => ({
        resource: r.resource,
        kind: f.kind,
        path: f.path,
        actual: f.actual,
        count: f.count,
      })),
    ),
    errors: report.resources.flatMap((r) =>
      r.errors.map((e) => ({ resource: r.resource, state: e.state, status: e.status, code: e.code })),
    ),
  };
}

/** The report for people: one block per resource, findings and notes indented under it. */
export function renderDriftReport(report: DriftReport): string {
  const lines: string[] = [
    `Re-validation of ${report.provider} (${report.startedAt} → ${report.finishedAt})`,
    report.drifted
      ? `DRIFT: ${report.driftCount} finding(s), ${report.unreachableCount} unreachable resource(s)`
      : 'No drift: every resource read answered as the connector expects.',
    '',
  ];
  const width = Math.max(...report.resources.map((r) => r.resource.length), 8);
  for (const r of report.resources) {
    const head = `${r.resource.padEnd(width)}  ${r.state.padEnd(11)}`;
    lines.push(r.state === 'skipped' ? head.trimEnd() : `${head} ${r.calls} call(s), ${r.items} body(ies)`);
    for (const i of r.info) lines.push(`    · ${i}`);
    for (const e of r.errors) {
      const who = e.account ? ` account ${e.account}` : '';
      lines.push(`    ${e.state}: ${e.target}${who} → ${e.status ?? 'no answer'} ${e.code ?? e.error}`);
    }
    for (const f of r.findings) {
      const times = f.count > 1 ? ` (×${f.count})` : '';
      const what =
        f.kind === 'new_enum_value'
          ? `new value ${f.actual}`
          : f.kind === 'unknown_field'
            ? `unknown field (${f.actual})`
            : f.kind === 'missing_field'
              ? `missing (${f.actual}; expected ${f.expected})`
              : `type changed: expected ${f.expected}, got ${f.actual}`;
      lines.push(`    ${f.kind.padEnd(14)} ${f.path}: ${what}${times}`);
    }
    for (const n of r.notes) lines.push(`    note           ${n.path}: never carried a value (${n.actual})`);
  }
  return `${lines.join('\n')}\n`;
}

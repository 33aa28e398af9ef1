/**
 * The JSON writer of the sandbox. Alif Shop puts PKR amounts on the wire as JSON numbers with up
 * to two decimals (`1999.5`); writing them from paisa through a float and JSON.stringify would
 * usually print the same text, but "usually" is not a money guarantee. This writer prints a `Pkr`
 * straight from its integer paisa and everything else as JSON.stringify does.
 */
import { Pkr, pkrLiteral } from '../seed/money.js';

export function toJson(value: unknown): string {
  if (value instanceof Pkr) return pkrLiteral(value.minor);
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value) as string | undefined;
    return text ?? 'null';
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : toJson(v))).join(',')}]`;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === undefined || typeof v === 'function') continue;
    parts.push(`${JSON.stringify(k)}:${toJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}

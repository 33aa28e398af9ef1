/**
 * A provider id such as `'alif-mobi'`: lowercase letters, digits and hyphens. The providers of a
 * deployment are the definitions listed in `libs/connectors/src/providers.ts`; the domain does
 * not enumerate them.
 */
export type ProviderId = string;

const PROVIDER_ID = /^[a-z][a-z0-9-]{1,31}$/;

/** True when `value` has the form of a provider id (not whether such a provider exists). */
export function isProviderIdShape(value: unknown): value is ProviderId {
  return typeof value === 'string' && PROVIDER_ID.test(value);
}

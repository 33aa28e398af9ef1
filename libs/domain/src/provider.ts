/** Providers Hisob connects to; the ids are fixed by `design/api.md` (`GET /v1/providers`). */
export const PROVIDER_IDS = ['alif-mobi', 'alif-shop', 'accessbank'] as const;

/** A provider id such as `'alif-mobi'`. */
export type ProviderId = (typeof PROVIDER_IDS)[number];

/** True when `value` is one of {@link PROVIDER_IDS}. */
export function isProviderId(value: unknown): value is ProviderId {
  return typeof value === 'string' && (PROVIDER_IDS as readonly string[]).includes(value);
}

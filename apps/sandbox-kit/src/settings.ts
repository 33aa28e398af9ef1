/**
 * A sandbox's settings come in layers: built-in defaults, then the environment, then the command
 * line. These read the environment by each setting's variable name and lay the layers over each
 * other; each sandbox validates the result itself.
 */

/** The settings named in `names` that the environment sets to something non-empty. */
export function readEnvSettings<K extends string>(
  names: Readonly<Record<K, string>>,
  env: NodeJS.ProcessEnv,
): Partial<Record<K, string>> {
  const raw: Partial<Record<K, string>> = {};
  for (const key of Object.keys(names) as K[]) {
    const v = env[names[key]];
    if (v !== undefined && v !== '') raw[key] = v;
  }
  return raw;
}

/** The layers merged, a later one winning; an `undefined` value leaves the earlier one. */
export function mergeSettings<T extends object>(...layers: readonly T[]): T {
  const out: Record<string, unknown> = {};
  for (const layer of layers) for (const [k, v] of Object.entries(layer)) if (v !== undefined) out[k] = v;
  return out as T;
}

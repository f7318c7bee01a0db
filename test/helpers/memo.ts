/**
 * JSON with object keys sorted at every level, so equal values give equal strings whatever the key order. A key
 * set to `undefined` is kept (`{ ...defaults, x: undefined }` overrides a default, unlike a missing `x`).
 * Functions and class instances are not data: keep them out of anything used as a key.
 */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === undefined) return '\u0000undefined';
    return v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v;
  });
}

/**
 * `fn` remembered by the value of its arguments, for the life of the jest test file (jest gives each file its own
 * module registry, so also its own memo; the specs of a suite share one, test/helpers/specs.ts). For builders of constructs and templates that tests only read:
 * equal arguments give the same, shared result, built once. A call that throws is not remembered (it
 * throws again). Never for a result a test changes: build that one fresh.
 */
export function memoized<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  const results = new Map<string, R>();
  return (...args: A): R => {
    const key = stableJson(args);
    if (!results.has(key)) results.set(key, fn(...args));
    return results.get(key) as R;
  };
}

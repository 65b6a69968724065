/*
 * Model identifiers. A version's id is the reference's `<name>_v<version>`; anywhere an id is accepted,
 * `<name>@<alias>` is accepted too. Names cannot contain `@` or `/`, so both forms stay unambiguous and
 * addressable in a URL path.
 */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
export const VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,49}$/;
export const ALIAS_PATTERN = /^[A-Za-z][A-Za-z0-9._-]{0,99}$/;

export const modelIdOf = (name: string, version: string) => `${name}_v${version}`;

export type ModelRef = { kind: 'id'; id: string } | { kind: 'alias'; name: string; alias: string };

export function parseModelRef(ref: string): ModelRef {
  const at = ref.lastIndexOf('@');
  if (at > 0 && at < ref.length - 1)
    return { kind: 'alias', name: ref.slice(0, at), alias: ref.slice(at + 1) };
  return { kind: 'id', id: ref };
}

/** The next integer version for a name: one past the highest integer-looking version. */
export function nextIntegerVersion(existing: readonly string[]): string {
  const numbers = existing.filter((v) => /^\d{1,15}$/.test(v)).map(Number);
  return String(numbers.length ? Math.max(...numbers) + 1 : 1);
}

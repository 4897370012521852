/**
 * How strong a configured secret looks, estimated from the string alone. It cannot spot a
 * dictionary word, but it refuses what a person types when asked for "a secret" (16 × `a`,
 * `abcabcabc…`, `aaaaaaaaaaaaaaab`), while `openssl rand -hex 16` or longer passes (all but about
 * 3 in 10^13 draws). At the 16-character floor, `-hex 8`, about 1 draw in 30,000 has five or fewer
 * different characters and is refused; the message says why and another draw passes.
 */
export const MIN_SECRET_LENGTH = 16;
export const MIN_SECRET_DISTINCT = 6;
export const MIN_SECRET_BITS = 40;

export const SECRET_RULE = `at least ${MIN_SECRET_LENGTH} characters, ${MIN_SECRET_DISTINCT} of them different, not one piece repeated, and an estimated ${MIN_SECRET_BITS} bits (length × log2 of the number of different characters); e.g. openssl rand -hex 32`;

/** Why the secret is too weak, or null when it passes SECRET_RULE. */
export function secretWeakness(value: string): string | null {
  const chars = [...value];
  if (chars.length < MIN_SECRET_LENGTH) return `it has only ${chars.length} characters`;
  const distinct = new Set(chars).size;
  if (distinct < MIN_SECRET_DISTINCT) return `it has only ${distinct} different characters`;
  if (/^([^]+?)\1+$/.test(value)) return 'it is one short piece repeated';
  const bits = Math.floor(chars.length * Math.log2(distinct));
  if (bits < MIN_SECRET_BITS) return `it has an estimated ${bits} bits`;
  return null;
}

/** Random tokens, hashes and comparisons on Web Crypto only (runs on Node and Deno alike). */

/** URL-safe random token; 32 bytes = 256 bits, well past the 128 bits a key needs. */
export function randomToken(bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Constant-time equality of two secrets: compare their SHA-256 digests byte by byte without
 * an early exit, so neither the position of the first difference nor the length leaks.
 */
export async function secretsEqual(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([digest(given), expectedDigest(expected)]);
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/**
 * The expected side is a configured secret (the streamer token): its digest is the same on
 * every request, so it is computed once. Bounded, in case a caller passes many values.
 */
const expectedDigests = new Map<string, Promise<Uint8Array>>();
const EXPECTED_DIGESTS_KEPT = 16;

function expectedDigest(expected: string): Promise<Uint8Array> {
  let found = expectedDigests.get(expected);
  if (!found) {
    if (expectedDigests.size >= EXPECTED_DIGESTS_KEPT) expectedDigests.clear();
    found = digest(expected);
    expectedDigests.set(expected, found);
  }
  return found;
}

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
}

export function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Random tokens, hashes and comparisons on Web Crypto (runs on Node and Deno alike; an edge may install a faster hash). */

/** URL-safe random token; 32 bytes = 256 bits, well past the 128 bits a key needs. */
export function randomToken(bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** SHA-256 of UTF-8 text; an edge may supply a faster one (see useSha256). */
export type Sha256 = (text: string) => Uint8Array | Promise<Uint8Array>;

const webCryptoSha256: Sha256 = async (text) => new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
let sha256: Sha256 = webCryptoSha256;

/**
 * Installs the edge's hash. Node's Web Crypto digest is a thread-pool job and a promise per
 * call (a sixth of a key consume's CPU, profiled); node:crypto hashes a short string
 * synchronously in about a microsecond. Process-wide, like the runtime's own crypto.
 */
export function useSha256(impl: Sha256 | undefined): void {
  sha256 = impl ?? webCryptoSha256;
}

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

export async function sha256Hex(text: string): Promise<string> {
  const bytes = await sha256(text);
  let hex = '';
  for (const byte of bytes) hex += HEX[byte];
  return hex;
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
  return sha256(text);
}

export function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

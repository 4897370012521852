/** Random tokens, hashes and comparisons on Web Crypto (runs on Node and Deno alike; an edge may install a faster hash). */

/** URL-safe random token; 32 bytes = 256 bits, well past the 128 bits a key needs. */
export function randomToken(bytes = 32): string {
  if (bytes > RANDOM_POOL_BYTES) return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
  if (poolOffset + bytes > randomPool.length) {
    crypto.getRandomValues(randomPool);
    poolOffset = 0;
  }
  const taken = randomPool.subarray(poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  const token = base64url(taken);
  // Handed out once: zeroed at once, so the pool never holds the bytes of a token already issued.
  taken.fill(0);
  return token;
}

/**
 * Randomness drawn in blocks (as Node does for randomUUID): each getRandomValues call is a
 * synchronous trip into the system's generator that cost a key consume (two tokens) ~10 % of
 * its CPU, profiled; one call now serves ~100 tokens. Bytes are used once, then zeroed.
 */
const RANDOM_POOL_BYTES = 4096;
const randomPool = new Uint8Array(RANDOM_POOL_BYTES);
let poolOffset = RANDOM_POOL_BYTES;

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
 * an early exit, so neither the position of the first difference nor the length leaks. With a
 * synchronous hash (the Node edge's) no promise is made: this runs on every request that
 * presents the streamer token.
 */
export function secretsEqual(given: string, expected: string): boolean | Promise<boolean> {
  const a = sha256(given);
  const b = expectedDigest(expected);
  if (a instanceof Uint8Array && b instanceof Uint8Array) return sameBytes(a, b);
  return Promise.all([a, b]).then(([x, y]) => sameBytes(x, y));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/**
 * The expected side is a configured secret (the streamer token): its digest is the same on
 * every request, so it is computed once (kept as the bytes once known). Bounded, in case a
 * caller passes many values.
 */
const expectedDigests = new Map<string, Uint8Array | Promise<Uint8Array>>();
const EXPECTED_DIGESTS_KEPT = 16;

function expectedDigest(expected: string): Uint8Array | Promise<Uint8Array> {
  let found = expectedDigests.get(expected);
  if (!found) {
    if (expectedDigests.size >= EXPECTED_DIGESTS_KEPT) expectedDigests.clear();
    const digest = sha256(expected);
    found = digest;
    expectedDigests.set(expected, digest);
    if (!(digest instanceof Uint8Array)) void digest.then((bytes) => expectedDigests.get(expected) === digest && expectedDigests.set(expected, bytes), () => expectedDigests.delete(expected));
  }
  return found;
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Base64url without padding, straight from the bytes (no binary string, btoa and three regex passes). */
export function base64url(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += BASE64URL[n >> 18]! + BASE64URL[(n >> 12) & 63]! + BASE64URL[(n >> 6) & 63]! + BASE64URL[n & 63]!;
  }
  const left = bytes.length - i;
  if (left === 1) {
    const n = bytes[i]! << 16;
    out += BASE64URL[n >> 18]! + BASE64URL[(n >> 12) & 63]!;
  } else if (left === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += BASE64URL[n >> 18]! + BASE64URL[(n >> 12) & 63]! + BASE64URL[(n >> 6) & 63]!;
  }
  return out;
}

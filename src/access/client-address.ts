/**
 * The address rate limits key on. X-Forwarded-For is believed only when the peer itself is a
 * trusted proxy (the FastAPI version keyed limits on the proxy's address, so one visitor could block all).
 */
export function clientAddress(peer: string, forwardedFor: string | undefined, trustedProxies: readonly string[]): string {
  const normalisedPeer = normalise(peer);
  if (!forwardedFor || !isTrusted(normalisedPeer, trustedProxies)) return normalisedPeer;
  // Walk from the nearest hop back; the first untrusted address is the client.
  const hops = forwardedFor.split(',').map((hop) => normalise(hop.trim())).filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    if (!isTrusted(hops[i]!, trustedProxies)) return hops[i]!;
  }
  return hops[0] ?? normalisedPeer;
}

function isTrusted(address: string, trusted: readonly string[]): boolean {
  return trusted.some((entry) => (entry.includes('/') ? inCidr(address, entry) : normalise(entry) === address));
}

const normalise = (address: string) => address.replace(/^::ffff:/, '');

/** IPv4 CIDR only; IPv6 proxies are listed by exact address. */
function inCidr(address: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  const a = ipv4(address);
  const b = ipv4(base ?? '');
  if (a === null || b === null || !(bits >= 0 && bits <= 32)) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return ((a & mask) >>> 0) === ((b & mask) >>> 0);
}

function ipv4(address: string): number | null {
  const parts = address.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return null;
    value = value * 256 + Number(part);
  }
  return value;
}

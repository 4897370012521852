import type { Context } from 'hono';
import type { Services } from '../services.ts';

/** Where users reach us: PUBLIC_BASE_URL, else what the request (or a TLS proxy) says. */
export function publicBaseUrl(services: Services, c: Context): string {
  if (services.config.PUBLIC_BASE_URL) return services.config.PUBLIC_BASE_URL;
  const proto = c.req.header('x-forwarded-proto') === 'https' ? 'https' : new URL(c.req.url).protocol.replace(':', '');
  return `${proto}://${c.req.header('host') ?? new URL(c.req.url).host}`;
}

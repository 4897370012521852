/**
 * The security headers every response carries (CSP, Referrer-Policy, X-Frame-Options…), from
 * Hono's secureHeaders with our policy. Hono's middleware sets them after the handler on
 * `c.res.headers`, which turns @hono/node-server's lightweight response into a full one on
 * every request; the Node edge instead computes the list once (`securityHeaderList`) and
 * puts it on each Node response before the app runs. Other runtimes use the middleware.
 *
 * JSON answers (`/api/*`, `/health`) get a shorter, stricter list (`apiSecurityHeaderList`):
 * the header bytes are the cost (measured: ~4.5 µs of CPU per response for the full list, a
 * third of what `/health` costs over a bare route), and the document-only headers
 * (cross-origin opener, prefetch, IE and Flash switches) do nothing for an answer no browser
 * renders as a page; its CSP lets such an answer load nothing at all, should one be opened.
 */
import { Hono, type MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import type { ResolvedConfig } from '../config.ts';
import { allowedMediaOrigins } from '../protocol/media-origins.ts';

export function securityHeadersMiddleware(config: ResolvedConfig): MiddlewareHandler {
  // The browser enforces what the scene schema allows: media from here or from MEDIA_ORIGINS only.
  const mediaSources = ["'self'", 'data:', 'blob:', ...allowedMediaOrigins(config)];
  return secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: mediaSources,
      mediaSrc: mediaSources,
      connectSrc: ["'self'", 'ws:', 'wss:'],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      frameAncestors: ["'none'"],
    },
    referrerPolicy: 'no-referrer',
    crossOriginEmbedderPolicy: false,
    crossOriginResourcePolicy: false,
  });
}

/** The headers the middleware adds, as name/value pairs: what it sets on an empty response. */
export async function securityHeaderList(config: ResolvedConfig): Promise<[string, string][]> {
  const probe = new Hono();
  probe.use('*', securityHeadersMiddleware(config));
  probe.get('/', (c) => c.body(null, 204));
  const res = await probe.request('/');
  return [...res.headers];
}

/** Answers that are data, never pages: the paths that get `apiSecurityHeaderList`. */
export function isApiPath(url: string): boolean {
  return url.startsWith('/api/') || url === '/health' || url.startsWith('/health?');
}

/** The headers that matter for a data answer; CSP and frame rules stricter than a page's. */
export function apiSecurityHeaderList(full: readonly [string, string][]): [string, string][] {
  const kept = new Set(['referrer-policy', 'strict-transport-security', 'x-content-type-options', 'x-frame-options']);
  return [['content-security-policy', "default-src 'none'; frame-ancestors 'none'"], ...full.filter(([name]) => kept.has(name))];
}

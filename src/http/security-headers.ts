/**
 * The security headers every response carries (CSP, Referrer-Policy, X-Frame-Options…), from
 * Hono's secureHeaders with our policy. Hono's middleware sets them after the handler on
 * `c.res.headers`, which turns @hono/node-server's lightweight response into a full one on
 * every request; the Node edge instead computes the list once (`securityHeaderList`) and
 * puts it on each Node response before the app runs. Other runtimes use the middleware.
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

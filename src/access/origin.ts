/**
 * Origin checks. Strict mode (ENABLE_STRICT_ORIGIN) accepts only exact matches of
 * ALLOWED_ORIGINS or our own origin on every state-changing request and upgrade; without it,
 * cookie-authenticated writes still refuse cross-site origins (CSRF), and so does a browser's
 * `Sec-Fetch-Site: cross-site` when there is no Origin to judge.
 */
export interface OriginPolicy {
  strict: boolean;
  allowed: readonly string[];
  publicBaseUrl: string;
}

export function ownOrigin(policy: OriginPolicy, requestUrl: string, hostHeader: string | undefined, forwardedProto: string | undefined): string {
  if (policy.publicBaseUrl) return new URL(policy.publicBaseUrl).origin;
  const proto = forwardedProto === 'https' ? 'https:' : new URL(requestUrl).protocol;
  return `${proto}//${hostHeader ?? new URL(requestUrl).host}`;
}

/** Whether a request carrying `origin` may change state. No Origin header = not a browser (curl). */
export function originAllowed(policy: OriginPolicy, origin: string | undefined, own: string, cookieAuthenticated: boolean): boolean {
  if (origin === undefined) return true;
  if (origin === own || policy.allowed.includes(origin)) return true;
  if (policy.strict) return false;
  return !cookieAuthenticated;
}

/**
 * A browser names a cross-site request with `Sec-Fetch-Site` even where it sends no Origin
 * (some navigations and form posts): the ambient cookie must not authorise such a write.
 */
export function crossSiteCookieRequest(secFetchSite: string | undefined, origin: string | undefined, cookieAuthenticated: boolean): boolean {
  return cookieAuthenticated && origin === undefined && secFetchSite?.trim().toLowerCase() === 'cross-site';
}

/**
 * Origin checks. Strict mode (ENABLE_STRICT_ORIGIN) accepts only exact matches of
 * ALLOWED_ORIGINS or our own origin on every state-changing request and upgrade; without it,
 * cookie-authenticated writes still refuse cross-site origins (CSRF).
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

/**
 * The one way a session secret becomes a cookie (moderator and streamer alike): HttpOnly,
 * SameSite=Strict, for the whole site, Secure when users reach us over https, and kept by the
 * browser until the session's absolute end (the sliding expiry is checked server-side).
 */
import type { Context } from 'hono';
import { setCookie } from 'hono/cookie';
import type { Services } from '../services.ts';

export function setSessionCookie(services: Services, c: Context, name: string, secret: string, absoluteExpires: number): void {
  setCookie(c, name, secret, {
    httpOnly: true,
    sameSite: 'Strict',
    path: '/',
    secure: services.config.PUBLIC_BASE_URL.startsWith('https:') || c.req.header('x-forwarded-proto') === 'https',
    maxAge: Math.round((absoluteExpires - Date.now()) / 1000),
  });
}

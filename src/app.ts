/**
 * createApp(services) → the Hono app. Portable: Web APIs only; the edge (src/node, src/deno)
 * builds the services and serves the app.
 */
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import type { AppEnv } from './app-env.ts';
import type { Services } from './services.ts';
import { errorResponse } from './errors.ts';
import { clientAddress } from './access/client-address.ts';
import { authenticate } from './access/authenticate.ts';
import { sceneRoutes } from './routes/scene.ts';
import { overlaySocketRoutes } from './routes/overlay-sockets.ts';
import { moderatorKeyRoutes } from './routes/moderator-keys.ts';
import { moderatorSessionRoutes } from './routes/moderator-sessions.ts';
import { moderatorSelfRoutes } from './routes/moderator-self.ts';
import { overlayAccessRoutes } from './routes/overlay-access.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { pageRoutes } from './routes/pages.ts';
import { uploadRoutes } from './routes/uploads.ts';
import { ttsRoutes } from './routes/tts.ts';
import { webrtcRoutes } from './routes/webrtc.ts';
import { streamerSessionRoutes } from './routes/streamer-session.ts';
import { dashboardRoomRoutes } from './routes/dashboard-rooms.ts';
import { auditRoutes } from './routes/audit.ts';
import { presetRoutes } from './routes/presets.ts';
import { historyRoutes } from './routes/history.ts';
import { draftRoutes } from './routes/draft.ts';
import { DEFAULT_ROOM } from './http/room-param.ts';
import { AppError } from './errors.ts';
import { orPublicOverlay } from './access/public-overlay.ts';
import { legacyMediaRoutes } from './routes/legacy-media.ts';
import { allowedMediaOrigins } from './protocol/media-origins.ts';
import { ControlTokens } from './access/control-tokens.ts';
import { controlTokenRoutes } from './routes/control-tokens.ts';
import { controlActionRoutes } from './routes/control-actions.ts';
import { controlStateRoutes } from './routes/control-state.ts';
import { securityHeadersMiddleware } from './http/security-headers.ts';

/** The paths whose routes may read `clientIp`; every other route is public and address-free. */
export const CLIENT_ADDRESS_PATHS = ['/api/*', '/ws/*', '/upload'] as const;

export function createApp(services: Services) {
  const app = new Hono<AppEnv>();

  app.onError((error, c) => errorResponse(c, error, services.log));
  app.notFound((c) => c.json({ error: { code: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` } }, 404));

  // Only where a route can use it (rate limits, socket caps, sessions' addresses): a path with
  // no middleware in front of its handler takes Hono's one-handler path, which a synchronous
  // handler (GET /health) answers without a promise, like a bare route. A new route outside
  // these paths that needs the address must be added here (app-routes.test.ts checks the split).
  const setClientIp: MiddlewareHandler<AppEnv> = async (c, next) => {
    c.set('clientIp', clientAddress(services.peerAddress(c), c.req.header('x-forwarded-for'), services.config.TRUSTED_PROXIES));
    await next();
  };
  for (const path of CLIENT_ADDRESS_PATHS) app.use(path, setClientIp);

  // The Node edge puts the same headers on each response itself (src/http/security-headers.ts).
  if (!services.appliesSecurityHeaders) app.use('*', securityHeadersMiddleware(services.config));

  // Sockets authenticate here, before the upgrade; a refused upgrade sees only the status.
  app.use('/ws/*', async (c, next) => {
    if (services.isDraining()) throw new AppError(503, 'restarting', 'the server is restarting; reconnect shortly');
    await next();
  });
  const overlayRoom = (c: Context<AppEnv>) => c.req.query('room') ?? DEFAULT_ROOM;
  app.use('/ws/overlay', orPublicOverlay(services, overlayRoom, authenticate(services, { allow: ['overlay', 'streamer', 'moderator'], room: overlayRoom })));
  app.use('/ws/moderator', authenticate(services, { allow: ['moderator', 'streamer'], room: (c) => c.req.query('room') }));

  app.route('/', metricsRoutes(services));
  // Before the presets routes: a control token's preset take is answered there, the rest falls through.
  const controlTokens = new ControlTokens(services.store);
  app.route('/', controlTokenRoutes(services, controlTokens));
  app.route('/', controlActionRoutes(services, controlTokens));
  app.route('/', controlStateRoutes(services, controlTokens));
  app.route('/', overlaySocketRoutes(services));
  app.route('/', sceneRoutes(services));
  app.route('/', moderatorKeyRoutes(services));
  app.route('/', moderatorSessionRoutes(services));
  app.route('/', moderatorSelfRoutes(services));
  app.route('/', overlayAccessRoutes(services));
  app.route('/', uploadRoutes(services));
  app.route('/', ttsRoutes(services));
  app.route('/', legacyMediaRoutes(services));
  app.route('/', webrtcRoutes(services));
  app.route('/', streamerSessionRoutes(services));
  app.route('/', dashboardRoomRoutes(services));
  app.route('/', auditRoutes(services));
  app.route('/', presetRoutes(services));
  app.route('/', historyRoutes(services));
  app.route('/', draftRoutes(services));
  app.route('/', pageRoutes(services));
  return app;
}

/**
 * createApp(services) → the Hono app. Portable: Web APIs only; the edge (src/node, src/deno)
 * builds the services and serves the app.
 */
import { Hono, type Context } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
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
import { DEFAULT_ROOM } from './http/room-param.ts';
import { AppError } from './errors.ts';
import { orPublicOverlay } from './access/public-overlay.ts';
import { legacyMediaRoutes } from './routes/legacy-media.ts';
import { allowedMediaOrigins } from './protocol/media-origins.ts';

export function createApp(services: Services) {
  const app = new Hono<AppEnv>();
  // The browser enforces what the scene schema allows: media from here or from MEDIA_ORIGINS only.
  const mediaSources = ["'self'", 'data:', 'blob:', ...allowedMediaOrigins(services.config)];

  app.onError((error, c) => errorResponse(c, error, services.log));
  app.notFound((c) => c.json({ error: { code: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` } }, 404));

  app.use('*', async (c, next) => {
    c.set('clientIp', clientAddress(services.peerAddress(c), c.req.header('x-forwarded-for'), services.config.TRUSTED_PROXIES));
    await next();
  });

  app.use(
    '*',
    secureHeaders({
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
    }),
  );

  // Sockets authenticate here, before the upgrade; a refused upgrade sees only the status.
  app.use('/ws/*', async (c, next) => {
    if (services.isDraining()) throw new AppError(503, 'restarting', 'the server is restarting; reconnect shortly');
    await next();
  });
  const overlayRoom = (c: Context<AppEnv>) => c.req.query('room') ?? DEFAULT_ROOM;
  app.use('/ws/overlay', orPublicOverlay(services, overlayRoom, authenticate(services, { allow: ['overlay', 'streamer', 'moderator'], room: overlayRoom })));
  app.use('/ws/moderator', authenticate(services, { allow: ['moderator', 'streamer'], room: (c) => c.req.query('room') }));

  app.route('/', metricsRoutes(services));
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
  app.route('/', pageRoutes(services));
  return app;
}

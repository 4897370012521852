/** Health for load balancers and the FastAPI version's realtime metrics for dashboards. */
import { Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';
import type { Services } from '../services.ts';
import { authenticate } from '../access/authenticate.ts';
import { mayActOnRoom } from '../access/principal.ts';
import { DEFAULT_ROOM } from '../protocol/constants.ts';

export function metricsRoutes(services: Services) {
  const app = new Hono<AppEnv>();

  // Health checks that arrive together share one store ping (never an older answer than the
  // ping in flight): a load balancer polling hard must not turn into a store round trip each.
  let inFlight: Promise<boolean> | null = null;
  const pingStore = () =>
    (inFlight ??= services.store
      .ping()
      .catch(() => false)
      .finally(() => (inFlight = null)));

  // Public: says whether we and the store are up, nothing else.
  const health = async () => {
    const storeUp = await pingStore();
    return {
      ok: storeUp,
      instance_id: services.instanceId,
      store: services.store.kind,
      redis: services.store.kind === 'redis' ? (storeUp ? 'up' : 'down') : 'not_configured',
    };
  };
  app.get('/health', async (c) => {
    const body = await health();
    return c.json(body, body.ok ? 200 : 503);
  });
  app.get('/api/health', async (c) => {
    const body = await health();
    return c.json(body, body.ok ? 200 : 503);
  });

  app.get('/api/metrics/realtime', authenticate(services, { allow: ['streamer', 'moderator'] }), (c) => {
    const principal = c.get('principal');
    const rooms = [...services.overlays.all()].filter((room) => mayActOnRoom(principal, room.id)).map((room) => room.stats());
    const { metrics } = services;
    const latency = metrics.applyLatency();
    const main = rooms.find((room) => room.room === (principal.room ?? DEFAULT_ROOM));
    return c.json({
      ok: true,
      instance_id: services.instanceId,
      scene_version: main?.version ?? 0,
      scene_saves: metrics.sceneSaves,
      ws_broadcasts: metrics.wsBroadcasts,
      overlay_apply_reports: metrics.overlayApplyReports,
      overlay_apply_latency_avg_ms: latency.avg,
      overlay_apply_latency_p95_ms: latency.p95,
      webrtc_signaling_messages: metrics.webrtcSignalingMessages,
      webrtc_rooms_active: [...services.signaling.all()].filter((room) => room.connections.size > 0).length,
      dropped_slow_sockets: metrics.droppedSlowSockets,
      event_loop_delay: services.eventLoopDelay?.() ?? null,
      rooms,
      server_ts: Date.now(),
    });
  });

  return app;
}

/** Health for load balancers and the FastAPI version's realtime metrics for dashboards. */
import { Hono, type Context } from 'hono';
import type { AppEnv } from '../app-env.ts';
import type { Services } from '../services.ts';
import { authenticate } from '../access/authenticate.ts';
import { mayActOnRoom } from '../access/principal.ts';
import { DEFAULT_ROOM } from '../protocol/constants.ts';
import { JSON_TYPE } from '../http/json-type.ts';

/**
 * How long a store that answered a ping stays reported up without a new one. Far below any
 * load balancer's polling interval; a store that dies is reported down within this much.
 */
export const HEALTH_REUSE_MS = 100;

export function metricsRoutes(services: Services) {
  const app = new Hono<AppEnv>();

  // Health checks that arrive together share one store ping (never an older answer than the
  // ping in flight): a load balancer polling hard must not turn into a store round trip each.
  let inFlight: Promise<boolean> | null = null;
  // A store that answered "up" less than HEALTH_REUSE_MS ago is reported up without asking
  // again, synchronously (no promise on the way: the bare-route cost). "Down" is never reused:
  // while the store is down every check pings, so it comes back as soon as the store does.
  let upAt = -Infinity;
  const pingStore = () =>
    (inFlight ??= services.store
      .ping()
      .catch(() => false)
      .then((up) => {
        upAt = up ? performance.now() : -Infinity;
        return up;
      })
      .finally(() => (inFlight = null)));

  // Public: says whether we and the store are up, nothing else. Serialized once per state.
  const healthBody = (storeUp: boolean) => ({
    ok: storeUp,
    instance_id: services.instanceId,
    store: services.store.kind,
    redis: services.store.kind === 'redis' ? (storeUp ? 'up' : 'down') : 'not_configured',
  });
  const UP = JSON.stringify(healthBody(true));
  const DOWN = JSON.stringify(healthBody(false));
  const answer = (c: Context<AppEnv>, storeUp: boolean) => (storeUp ? c.body(UP, 200, JSON_TYPE) : c.body(DOWN, 503, JSON_TYPE));
  const health = (c: Context<AppEnv>) => {
    if (performance.now() - upAt < HEALTH_REUSE_MS) return answer(c, true);
    return pingStore().then((up) => answer(c, up));
  };
  app.get('/health', health);
  app.get('/api/health', health);

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

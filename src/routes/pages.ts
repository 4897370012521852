/**
 * The pages: the overlay for OBS (also at / and /preview), the publisher, the moderator panel
 * and the streamer's dashboard, and their built assets. The HTML shells load external scripts
 * only, so the CSP can forbid inline script.
 */
import { Hono, type Context } from 'hono';
import type { AppEnv } from '../app-env.ts';
import type { Services } from '../services.ts';

const ASSET_NAME = /^[a-z0-9-]+\.(js|css)$/;

export function pageRoutes(services: Services) {
  const app = new Hono<AppEnv>();

  const page = (name: string) => async (c: Context<AppEnv>) => {
    const asset = await services.assets.get(`${name}.html`);
    if (!asset) return c.notFound();
    return c.html(new TextDecoder().decode(asset.body));
  };

  for (const path of ['/', '/overlay', '/preview']) app.get(path, page('overlay'));
  app.get('/publish', page('publish'));
  app.get('/moderator', page('moderator'));
  app.get('/dashboard', page('dashboard'));

  app.get('/assets/:name', async (c) => {
    const name = c.req.param('name');
    if (!ASSET_NAME.test(name)) return c.notFound();
    const asset = await services.assets.get(name);
    if (!asset) return c.notFound();
    c.header('Content-Type', asset.type);
    // Bundles keep their names across builds; revalidate rather than cache forever.
    c.header('Cache-Control', 'no-cache');
    return c.body(asset.body as Uint8Array<ArrayBuffer>);
  });

  return app;
}

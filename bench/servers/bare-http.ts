/**
 * The HTTP baseline: a bare Hono app on @hono/node-server, no middleware. It also serves the
 * time-to-first-render baseline page: the same text put into #app by an inline script.
 */
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { serveTasks } from '../lib/child.ts';

const app = new Hono();
app.get('/hello', (c) => c.json({ ok: true }));
app.post('/echo', async (c) => {
  const body = (await c.req.json()) as { key?: string };
  return c.json({ ok: true, key: body.key ?? null });
});
app.get('/static-overlay', (c) =>
  c.html(`<!doctype html><html><head><meta charset="utf-8"><title>baseline</title></head><body><div id="app"></div>
<script>document.getElementById('app').innerHTML = '<div style="position:absolute;left:10px;top:10px">hello</div>';</script></body></html>`),
);

const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
  const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
});
const { port } = server.address() as AddressInfo;
serveTasks({}, { url: `http://127.0.0.1:${port}`, port });

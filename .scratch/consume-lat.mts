import { startTestServer } from '../testing/test-server.ts';
import { startRedis } from '../testing/redis-server.ts';
const redis = await startRedis();
const server = await startTestServer({ env: { REDIS_URL: redis.url, TRUSTED_PROXIES: '127.0.0.1', LOG_LEVEL: 'warn' } });
const keys: string[] = [];
for (let i = 0; i < 1200; i++) keys.push((await server.services.keys.issue({ room: 'main', label: 'b', streamerId: 'b', ttlSeconds: 3600 })).key);
const lat: number[] = [];
for (let i = 0; i < 1200; i++) {
  const t = performance.now();
  const res = await fetch(`${server.url}/api/moderator-keys/consume`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.${(i >> 8) & 255}.${i & 255}.1` }, body: JSON.stringify({ key: keys[i] }) });
  await res.text();
  if (res.status !== 200 && i < 3) console.log(res.status);
  lat.push(performance.now() - t);
}
const b: number[] = [];
for (let i = 0; i < 1000; i++) { const t = performance.now(); const r = await fetch(`${server.url}/health`); await r.text(); b.push(performance.now() - t); }
const med = (a: number[]) => a.slice(200).sort((x, y) => x - y)[Math.floor((a.length - 200) / 2)];
console.log('consume median ms', med(lat).toFixed(3), 'health median', med(b).toFixed(3));
await server.stop(); await redis.stop();

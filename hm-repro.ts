import { startTestServer } from './testing/test-server.ts';
import { concat, pngBytes } from './testing/media-samples.ts';
const server = await startTestServer({ env: { MAX_UPLOAD_MB: '1', TRUSTED_PROXIES: '127.0.0.1' } });
const big = concat([pngBytes(), new Uint8Array(3 * 1024 * 1024)]);
const results: string[] = [];
for (let i = 0; i < 20; i++) {
  const form = new FormData();
  form.append('file', new Blob([big]), 'big.png');
  try {
    const res = await server.api('/api/uploads', { method: 'POST', body: form, streamer: true, headers: { 'x-forwarded-for': `10.0.0.${i}` } });
    results.push(String(res.status) + (res.headers.get('connection') ?? ''));
    await res.arrayBuffer();
  } catch (e) { results.push('ERR ' + ((e as any).cause?.code ?? (e as any).message)); }
}
console.log(results.join(' | '));
await server.stop();

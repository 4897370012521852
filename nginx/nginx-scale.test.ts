/**
 * The edge nginx in front of three real web instances on one Redis, as `docker compose up
 * --scale web=3` runs it: every instance is an upstream server, `hash $arg_room consistent`
 * keeps a room's requests and sockets on one of them, requests without a room are spread,
 * WebSockets upgrade through it, and a room whose instance died is served by another.
 * Skips (saying why) only when nginx is not installed.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startCluster, type Cluster } from '../testing/instances.ts';
import { openSocket } from '../testing/ws-client.ts';
import { NGINX_BINARY, ROOT, prepareEdge, preparePlain, startNginx, twoFreePorts, type RunningNginx } from '../testing/nginx-edge.ts';

const instanceOf = async (url: string): Promise<string> => ((await (await fetch(url)).json()) as { instance_id: string }).instance_id;

if (!NGINX_BINARY) {
  const skipped = suite('nginx edge over several instances');
  skipped.skip('nginx is not installed (apt-get install -y nginx-light): scale-out config not exercised', () => {});
  skipped.run();
} else {
  const test = suite<{ cluster: Cluster; nginx: RunningNginx; scratch: string }>('nginx edge over three web instances on one Redis');

  test.before(async (context) => {
    context.cluster = await startCluster(3);
    context.scratch = await mkdtemp(join(tmpdir(), 'so-nginx-scale-'));
    const ports = await twoFreePorts();
    const env = {
      NGINX_LISTEN_HTTP: `127.0.0.1:${ports.httpPort}`,
      NGINX_LISTEN_HTTPS: `127.0.0.1:${ports.httpsPort}`,
      // What `web:13337 resolve` becomes with three replicas: one server per replica.
      NGINX_UPSTREAM_SERVER: context.cluster.instances.map((instance) => `127.0.0.1:${instance.port}`).join(', '),
      NGINX_RESOLVER: '127.0.0.1',
      NGINX_UPLOADS_DIR: context.cluster.uploadDir,
      NGINX_ACME_ROOT: join(context.scratch, 'acme'),
      NGINX_SERVER_NAME: '127.0.0.1',
      NGINX_PUBLIC_HTTPS_PORT: '443',
      MAX_UPLOAD_MB: '8',
    };
    context.nginx = await startNginx(await prepareEdge(env), ports);
  });
  test.after(async ({ cluster, nginx, scratch }) => {
    await nginx?.stop();
    await cluster?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  test('every instance is an upstream server; the rendered upstream hashes on the room', async ({ nginx, cluster }) => {
    const servers = await readFile(join(nginx.dir, 'conf.d/stream-overlay/upstream-servers.conf'), 'utf8');
    assert.equal(servers.trim().split('\n'), cluster.instances.map((instance) => `server 127.0.0.1:${instance.port};`));
    assert.match(await readFile(join(nginx.dir, 'conf.d/default.conf'), 'utf8'), /^\s*hash \$arg_room consistent;/m);
  });

  test('a room\'s requests stay on one instance; rooms and room-less requests spread over all', async ({ nginx }) => {
    const homes = new Map<string, string>();
    for (let i = 0; i < 24; i++) {
      const room = `room-${i}`;
      const seen = new Set<string>();
      for (let j = 0; j < 4; j++) seen.add(await instanceOf(`${nginx.url}/api/health?room=${room}`));
      assert.is(seen.size, 1, `${room} went to ${[...seen]}`);
      homes.set(room, [...seen][0]!);
    }
    assert.ok(new Set(homes.values()).size >= 2, `24 rooms all on ${[...new Set(homes.values())]}`);
    const roomless = new Set<string>();
    for (let i = 0; i < 12; i++) roomless.add(await instanceOf(`${nginx.url}/api/health`));
    assert.ok(roomless.size >= 2, `requests without a room all went to ${[...roomless]}`);
  });

  test('overlay sockets upgrade through the edge, and land where the room\'s requests do', async ({ nginx, cluster }) => {
    const token = await cluster.instances[0]!.viewToken('stage');
    const home = await instanceOf(`${nginx.url}/api/health?room=stage`);
    const overlay = await openSocket(`${nginx.url.replace('http', 'ws')}/ws/overlay?room=stage&token=${token}`);
    await overlay.next('scene.full');
    // The instance that holds the socket counts it in its own metrics.
    const holder = cluster.instances.find((instance) => instance.id === home)!;
    const metrics = (await (await holder.api('/api/metrics/realtime', { streamer: true })).json()) as { rooms: { room: string; overlays: number }[] };
    assert.is(metrics.rooms.find((room) => room.room === 'stage')?.overlays, 1, JSON.stringify(metrics.rooms));
    overlay.close();
  });

  test('nginx/host-example.conf with its several-instances lines enabled: rooms stay together, sockets upgrade', async ({ cluster }) => {
    const example = await readFile(join(ROOT, 'nginx/host-example.conf'), 'utf8');
    const ports = await twoFreePorts();
    const [a, b, c] = cluster.instances;
    const lines = ['    server 127.0.0.1:13337;', '    # hash $arg_room consistent;', '    # server 127.0.0.1:13338;', '    # server 10.0.0.12:13337;'];
    for (const line of lines) assert.ok(example.includes(line), `the example still has ${line.trim()}`);
    const config = example
      .replace('listen 80;', `listen 127.0.0.1:${ports.httpPort};`)
      .replace(lines[0]!, `    server 127.0.0.1:${a!.port};`)
      .replace(lines[1]!, '    hash $arg_room consistent;')
      .replace(lines[2]!, `    server 127.0.0.1:${b!.port};`)
      .replace(lines[3]!, `    server 127.0.0.1:${c!.port};`);
    const host = await startNginx(await preparePlain(config), ports);
    try {
      const viaHost = (path: string) => fetch(`${host.url}${path}`, { headers: { host: 'overlay.example.com' } });
      const homes = new Set<string>();
      for (let i = 0; i < 12; i++) {
        const room = `host-room-${i}`;
        const first = ((await (await viaHost(`/api/health?room=${room}`)).json()) as { instance_id: string }).instance_id;
        const again = ((await (await viaHost(`/api/health?room=${room}`)).json()) as { instance_id: string }).instance_id;
        assert.is(again, first, room);
        homes.add(first);
      }
      assert.ok(homes.size >= 2, `all rooms on ${[...homes]}`);
      const token = await a!.viewToken('host-stage');
      const overlay = await openSocket(`ws://127.0.0.1:${ports.httpPort}/ws/overlay?room=host-stage&token=${token}`, { host: 'overlay.example.com' });
      await overlay.next('scene.full');
      overlay.close();
    } finally {
      await host.stop();
    }
  });

  test('a room whose instance was killed is served by another one', async ({ nginx, cluster }) => {
    const home = await instanceOf(`${nginx.url}/api/health?room=failover`);
    await cluster.instances.find((instance) => instance.id === home)!.stop('SIGKILL');
    const after = await fetch(`${nginx.url}/api/health?room=failover`);
    assert.is(after.status, 200);
    const moved = ((await after.json()) as { instance_id: string }).instance_id;
    assert.is.not(moved, home);
  });

  test.run();
}

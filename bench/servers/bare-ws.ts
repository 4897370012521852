/**
 * The fan-out baseline: a bare `ws` server on node:http doing the least that produces the
 * same bytes as ours. Per room it keeps items by id; a moderator frame is parsed, applied
 * (add/update/patch of one item), and the resulting `scene.patch` is serialized once and
 * sent to every socket of the room, after an `ack` to the sender. No validation, no store,
 * no backpressure checks: the practical limit of broadcasting on Node.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { serveTasks, settledMemory } from '../lib/child.ts';

interface BareRoom {
  sockets: Set<WebSocket>;
  items: Map<string, Record<string, unknown>>;
  version: number;
}

const rooms = new Map<string, BareRoom>();
const roomOf = (id: string) => {
  let room = rooms.get(id);
  if (!room) rooms.set(id, (room = { sockets: new Set(), items: new Map(), version: 0 }));
  return room;
};

const http = createServer((_req, res) => {
  res.writeHead(404).end();
});
const wss = new WebSocketServer({ server: http, maxPayload: 256 * 1024 });

wss.on('connection', (ws, req) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const room = roomOf(url.searchParams.get('room') ?? 'main');
  const moderator = url.searchParams.get('role') === 'moderator';
  room.sockets.add(ws);
  ws.on('close', () => room.sockets.delete(ws));
  ws.send(JSON.stringify({ type: 'scene.full', scene: { items: [...room.items.values()] }, version: room.version, server_ts: Date.now() }));
  if (!moderator) return; // overlay reports are not read: the bare minimum
  ws.on('message', (data) => {
    const op = JSON.parse(String(data)) as { type: string; id?: string; item?: { id: string }; changes?: object; req_id?: unknown; client_ts?: number };
    if (op.type === 'ping') return ws.send(JSON.stringify({ type: 'pong', server_ts: Date.now(), client_ts: op.client_ts }));
    const id = op.item?.id ?? op.id!;
    const item = op.type === 'patch' ? { ...room.items.get(id), ...op.changes } : { ...op.item };
    room.items.set(id, item);
    const version = ++room.version;
    ws.send(JSON.stringify({ type: 'ack', req_id: op.req_id, version }));
    const frame = JSON.stringify({ type: 'scene.patch', ops: [{ op: 'upsert', item }], version, server_ts: Date.now(), by: 'streamer' });
    for (const socket of room.sockets) socket.send(frame);
  });
});

await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
const { port } = http.address() as AddressInfo;
serveTasks({ memory: () => settledMemory() }, { url: `http://127.0.0.1:${port}`, port });

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ServerMessage } from '../../src/protocol/messages.ts';
import { createSocket } from './socket.ts';
import type { SocketOptions } from './socket.ts';

/** Stands in for the browser WebSocket; tests open, feed and close it by hand. */
class FakeSocket {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSING = 2;
  static CLOSED = 3;
  static all: FakeSocket[] = [];
  readyState = FakeSocket.CONNECTING;
  sent: unknown[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onclose: ((e: { code: number; reason: string }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(text: string) {
    this.sent.push(JSON.parse(text));
  }
  close() {
    this.readyState = FakeSocket.CLOSED;
  }
  open() {
    this.readyState = FakeSocket.OPEN;
    this.onopen?.();
  }
  receive(data: unknown) {
    this.onmessage?.({ data });
  }
  serverClose(code: number, reason = '') {
    this.readyState = FakeSocket.CLOSED;
    this.onclose?.({ code, reason });
  }
}

/** A manual clock for setTimeout, setInterval and Date.now. */
class Clock {
  now = 1_000_000;
  private timers: { at: number; every?: number; fn: () => void; id: number }[] = [];
  private nextId = 1;
  private saved = { setTimeout, clearTimeout, setInterval, clearInterval, now: Date.now, WebSocket: globalThis.WebSocket };

  install() {
    const g = globalThis as Record<string, unknown>;
    g.setTimeout = (fn: () => void, ms = 0) => this.add(fn, ms);
    g.setInterval = (fn: () => void, ms = 0) => this.add(fn, ms, ms);
    g.clearTimeout = g.clearInterval = (id?: number) => (this.timers = this.timers.filter((t) => t.id !== id));
    Date.now = () => this.now;
    g.WebSocket = FakeSocket;
    FakeSocket.all = [];
  }

  uninstall() {
    const { now, ...globals } = this.saved;
    Object.assign(globalThis, globals);
    Date.now = now;
  }

  private add(fn: () => void, ms: number, every?: number) {
    const id = this.nextId++;
    this.timers.push({ at: this.now + ms, every, fn, id });
    return id;
  }

  advance(ms: number) {
    const end = this.now + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.now = due.at;
      if (due.every) due.at += due.every;
      else this.timers = this.timers.filter((t) => t !== due);
      due.fn();
    }
    this.now = end;
  }
}

const clock = new Clock();
const latest = () => FakeSocket.all[FakeSocket.all.length - 1];
const full: ServerMessage = { type: 'scene.full', scene: { items: [] }, version: 1, server_ts: 1 };

function open(extra: Partial<SocketOptions> = {}) {
  const got: ServerMessage[] = [];
  const closes: number[] = [];
  const statuses: string[] = [];
  const socket = createSocket({
    url: () => 'ws://host/ws/overlay?room=main',
    onMessage: (m) => got.push(m),
    onClose: (code) => closes.push(code),
    onStatus: (s) => statuses.push(s),
    ...extra,
  });
  return { socket, got, closes, statuses };
}

const socket = suite('socket');
socket.before.each(() => clock.install());
socket.after.each(() => clock.uninstall());

socket('delivers JSON messages; bad JSON and throwing handlers are shrugged off', () => {
  const { socket: s, got } = open({
    onMessage(m) {
      if (m.type === 'pong') throw new Error('handler bug');
      got.push(m);
    },
  });
  latest().open();
  assert.ok(s.connected);
  const errors = console.error;
  console.error = () => {};
  try {
    latest().receive('{not json');
    latest().receive('42');
    latest().receive(JSON.stringify({ type: 'pong', server_ts: 1 }));
    latest().receive(JSON.stringify(full));
  } finally {
    console.error = errors;
  }
  assert.equal(got, [full]);
  assert.ok(s.connected, 'a bad message must not drop the connection');
});

socket('reconnects with growing, capped, jittered delays and asks the url function each time', () => {
  let calls = 0;
  open({ url: () => `ws://host/?n=${++calls}` });
  const random = Math.random;
  Math.random = () => 0.999;
  try {
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const count = FakeSocket.all.length;
      latest().serverClose(1006);
      let waited = 0;
      while (FakeSocket.all.length === count) {
        clock.advance(10);
        waited += 10;
      }
      delays.push(waited);
    }
    assert.ok(delays[0] <= 250, `first delay ${delays[0]}`);
    assert.ok(delays[1] > 250 && delays[1] <= 500, `second delay ${delays[1]}`);
    assert.ok(delays[7] <= 10_000 && delays[7] > 9_000, `capped delay ${delays[7]}`);
    assert.is(latest().url, `ws://host/?n=${calls}`);
  } finally {
    Math.random = random;
  }
});

socket('a connection that stayed up resets the backoff', () => {
  open();
  const random = Math.random;
  Math.random = () => 0.999;
  try {
    for (let i = 0; i < 6; i++) {
      latest().serverClose(1006);
      clock.advance(10_000);
    }
    latest().open();
    clock.advance(6_000);
    const count = FakeSocket.all.length;
    latest().serverClose(1006);
    clock.advance(250);
    assert.is(FakeSocket.all.length, count + 1);
  } finally {
    Math.random = random;
  }
});

socket('1012 (server restarting) reconnects within a second', () => {
  open();
  latest().open();
  latest().serverClose(1012);
  clock.advance(1000);
  assert.is(FakeSocket.all.length, 2);
});

socket('a terminal close code stops for good and is reported', () => {
  const { closes, statuses } = open();
  latest().open();
  latest().serverClose(4001, 'session revoked');
  clock.advance(60_000);
  assert.is(FakeSocket.all.length, 1);
  assert.equal(closes, [4001]);
  assert.is(statuses[statuses.length - 1], 'stopped');
});

socket('pings every 15 s and drops a connection that stays silent for ~45 s', () => {
  open();
  latest().open();
  clock.advance(15_000);
  assert.equal(latest().sent, [{ type: 'ping', client_ts: clock.now }]);
  latest().receive(JSON.stringify({ type: 'pong', server_ts: 1 }));
  clock.advance(30_000);
  assert.is(FakeSocket.all.length, 1, 'an answered ping keeps it alive');
  clock.advance(15_000);
  assert.is(FakeSocket.all[0].readyState, FakeSocket.CLOSED, '45 s of silence must close the socket');
  clock.advance(500);
  assert.is(FakeSocket.all.length, 2, 'and reconnect');
});

socket('close() stops reconnecting; send() on a closed socket reports false', () => {
  const { socket: s } = open();
  latest().open();
  s.close();
  assert.not.ok(s.connected);
  assert.not.ok(s.send({ type: 'ping' }));
  clock.advance(60_000);
  assert.is(FakeSocket.all.length, 1);
});

socket.run();

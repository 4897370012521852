/**
 * The behaviour every Store must have, as one uvu suite. Each implementation's test file
 * calls storeContract with a factory; each test gets a fresh, empty store.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { AuditEntry, Store } from '../src/store/store.ts';

export interface OpenedStore {
  store: Store;
  cleanup(): Promise<void>;
}

interface Context {
  opened?: OpenedStore;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves once `check` holds, polling; fails the test after `timeoutMs`. */
async function eventually(check: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.unreachable(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

function entry(action: string, extra: Record<string, unknown> = {}): AuditEntry {
  return { ts: 1_700_000_000_000, who: 'tester', action, ...extra };
}

export function storeContract(name: string, open: () => Promise<OpenedStore>): void {
  const test = suite<Context>(name, {});

  test.before.each(async (context) => {
    context.opened = await open();
  });
  test.after.each(async (context) => {
    await context.opened?.cleanup();
    context.opened = undefined;
  });
  const storeOf = (context: Context): Store => {
    if (!context.opened) throw new Error('store not opened');
    return context.opened.store;
  };

  test('kv – set, get, del round-trip strings', async (context) => {
    const store = storeOf(context);
    assert.is(await store.get('missing'), null, 'a missing key reads as null');
    await store.set('greeting', 'héllo ✓');
    assert.is(await store.get('greeting'), 'héllo ✓', 'the value round-trips, unicode included');
    await store.set('greeting', 'again');
    assert.is(await store.get('greeting'), 'again', 'set overwrites');
    await store.set('empty', '');
    assert.is(await store.get('empty'), '', 'an empty string is a value, not null');
    await store.del('greeting');
    assert.is(await store.get('greeting'), null, 'del removes the key');
    await store.del('never-set');
  });

  test('kv – setIfAbsent sets only the first time', async (context) => {
    const store = storeOf(context);
    assert.is(await store.setIfAbsent('lock', 'first'), true, 'absent key: this call sets it');
    assert.is(await store.setIfAbsent('lock', 'second'), false, 'present key: this call does not');
    assert.is(await store.get('lock'), 'first', 'the first value stays');
    await store.del('lock');
    assert.is(await store.setIfAbsent('lock', 'third', 60), true, 'after del it can be set again');
  });

  test('kv – getDel hands a value to exactly one of 100 concurrent callers', async (context) => {
    const store = storeOf(context);
    await store.set('ticket', 'one-time', 60);
    const results = await Promise.all(Array.from({ length: 100 }, () => store.getDel('ticket')));
    const winners = results.filter((value) => value !== null);
    assert.equal(winners, ['one-time'], 'exactly one caller sees the value');
    assert.is(await store.get('ticket'), null, 'the key is gone afterwards');
    assert.is(await store.getDel('ticket'), null, 'getDel of a missing key is null');
  });

  test('kv – incrWithTtl counts within one window', async (context) => {
    const store = storeOf(context);
    assert.equal(await store.incrWithTtl('hits', 60), { count: 1, ttlSeconds: 60 }, 'the first increment starts a full window');
    const second = await store.incrWithTtl('hits', 60);
    assert.is(second.count, 2, 'the second increment counts 2');
    assert.ok(second.ttlSeconds > 0 && second.ttlSeconds <= 60, `the window is not restarted (ttl ${second.ttlSeconds})`);
    assert.is((await store.incrWithTtl('other-hits', 60)).count, 1, 'counters are independent');
    assert.is(await store.get('hits'), '2', 'a counter reads back through get');
  });

  test('kv – keys lists live keys with a prefix', async (context) => {
    const store = storeOf(context);
    await store.set('session:b', '1');
    await store.set('session:a', '1', 60);
    await store.set('sessions-other', '1');
    await store.set('key:x', '1');
    await store.incrWithTtl('session:count', 60);
    await store.set('session:gone', '1');
    await store.del('session:gone');
    const found = await store.keys('session:');
    assert.equal([...found].sort(), ['session:a', 'session:b', 'session:count'], 'only keys with the prefix, deleted ones excluded');
    assert.equal(await store.keys('nothing:'), [], 'no match is an empty list');
    await store.set('glob*:x', '1');
    await store.set('globz:y', '1');
    assert.equal(await store.keys('glob*'), ['glob*:x'], 'pattern characters in the prefix are literal');
  });

  // The only test that waits for time to pass: every TTL behaviour shares one wait.
  test('kv – values, set-if-absent and counter windows expire', async (context) => {
    const store = storeOf(context);
    await store.set('short', 'v', 1);
    await store.set('long', 'v', 60);
    await store.set('forever', 'v');
    await store.setIfAbsent('short-lock', 'v', 1);
    await store.incrWithTtl('short-counter', 1);
    await store.incrWithTtl('short-counter', 1);
    assert.is(await store.get('short'), 'v', 'readable before expiry');
    await sleep(1300);
    assert.is(await store.get('short'), null, 'a 1 s value is gone after 1.3 s');
    assert.is(await store.getDel('short'), null, 'getDel does not see an expired value');
    assert.is(await store.get('long'), 'v', 'a 60 s value is still there');
    assert.is(await store.get('forever'), 'v', 'a value without ttl is still there');
    assert.is(await store.setIfAbsent('short-lock', 'again', 1), true, 'an expired key counts as absent');
    assert.equal(await store.incrWithTtl('short-counter', 1), { count: 1, ttlSeconds: 1 }, 'an expired counter starts a new window');
    const live = await store.keys('short');
    assert.equal([...live].sort(), ['short-counter', 'short-lock'], 'keys omits expired keys');
  });

  test('scene – compare-and-set by version', async (context) => {
    const store = storeOf(context);
    assert.is(await store.loadScene('main'), null, 'no scene stored yet');
    assert.is(await store.commitScene('main', 1, 'never', 2), false, 'expecting a version when none is stored is stale');
    assert.is(await store.commitScene('main', 0, 'first', 1), true, 'first commit expects version 0');
    assert.equal(await store.loadScene('main'), { data: 'first', version: 1 }, 'the first commit is stored');
    assert.is(await store.commitScene('main', 0, 'stale', 2), false, 'expecting 0 when a scene exists is stale');
    assert.equal(await store.loadScene('main'), { data: 'first', version: 1 }, 'a rejected commit changes nothing');
    assert.is(await store.commitScene('main', 1, 'second', 2), true, 'commit on the current version');
    assert.is(await store.commitScene('main', 1, 'late', 3), false, 'an older expected version is rejected');
    assert.equal(await store.loadScene('main'), { data: 'second', version: 2 }, 'the data is still the second commit');
  });

  test('scene – of concurrent commits on one version exactly one wins', async (context) => {
    const store = storeOf(context);
    await store.commitScene('busy', 0, 'base', 1);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.commitScene('busy', 1, `writer-${i}`, 2)));
    assert.is(results.filter(Boolean).length, 1, 'exactly one commit succeeds');
    const winner = results.indexOf(true);
    assert.equal(await store.loadScene('busy'), { data: `writer-${winner}`, version: 2 }, 'the winner is what is stored');
  });

  test('scene – listSceneRooms lists rooms with a stored scene', async (context) => {
    const store = storeOf(context);
    assert.equal(await store.listSceneRooms(), [], 'none at first');
    await store.commitScene('beta', 0, 'b', 1);
    await store.commitScene('alpha', 0, 'a', 1);
    await store.commitScene('gamma', 5, 'rejected', 6);
    await store.set('delta', 'not a scene');
    const rooms = await store.listSceneRooms();
    assert.equal([...rooms].sort(), ['alpha', 'beta'], 'only rooms whose commit succeeded');
  });

  test('pubsub – subscribers receive messages in order, asynchronously', async (context) => {
    const store = storeOf(context);
    const first: string[] = [];
    const second: string[] = [];
    const unrelated: string[] = [];
    await store.subscribe('news', (message) => first.push(message));
    await store.subscribe('news', (message) => second.push(message));
    await store.subscribe('sports', (message) => unrelated.push(message));
    const publishing = store.publish('news', 'm1');
    assert.equal(first, [], 'publish never calls a subscriber synchronously');
    await publishing;
    await store.publish('news', 'm2');
    await store.publish('news', 'm3');
    await eventually(() => first.length === 3 && second.length === 3, 'three messages to both subscribers');
    assert.equal(first, ['m1', 'm2', 'm3'], 'delivered in publish order');
    assert.equal(second, ['m1', 'm2', 'm3'], 'every subscriber receives every message');
    await store.publish('nobody-listens', 'x');
    await sleep(100);
    assert.equal(unrelated, [], 'other channels receive nothing');
  });

  test('pubsub – unsubscribe stops delivery to that subscriber only', async (context) => {
    const store = storeOf(context);
    const leaving: string[] = [];
    const staying: string[] = [];
    const unsubscribe = await store.subscribe('room', (message) => leaving.push(message));
    await store.subscribe('room', (message) => staying.push(message));
    await store.publish('room', 'before');
    await eventually(() => leaving.length === 1 && staying.length === 1, 'the first message');
    await unsubscribe();
    await store.publish('room', 'after');
    await eventually(() => staying.length === 2, 'the second message to the remaining subscriber');
    await sleep(100);
    assert.equal(leaving, ['before'], 'nothing arrives after unsubscribe');
    assert.equal(staying, ['before', 'after'], 'the other subscriber still receives');

    const solo: string[] = [];
    const unsubscribeSolo = await store.subscribe('solo', (message) => solo.push(message));
    await unsubscribeSolo();
    await store.publish('solo', 'into the void');
    await sleep(100);
    assert.equal(solo, [], 'a channel without subscribers delivers nothing');
  });

  test('audit – capped to the newest entries, listed newest last', async (context) => {
    const store = storeOf(context);
    for (let i = 1; i <= 5; i++) await store.appendAudit('stage', entry(`a${i}`, { item: `item-${i}` }), 3);
    const all = await store.listAudit('stage', 10);
    assert.equal(all.map((e) => e.action), ['a3', 'a4', 'a5'], 'only the newest 3 are kept, oldest first');
    assert.equal(all[2], entry('a5', { item: 'item-5' }), 'entries round-trip with their extra fields');
    assert.equal((await store.listAudit('stage', 2)).map((e) => e.action), ['a4', 'a5'], 'limit takes the newest');
    assert.equal(await store.listAudit('stage', 0), [], 'limit 0 is an empty list');
    assert.equal(await store.listAudit('elsewhere', 10), [], 'other rooms have their own log');
  });

  test('ping – answers true while the service is up', async (context) => {
    assert.is(await storeOf(context).ping(), true, 'ping is true');
  });

  test.run();
}

/** The sliding TTL moderator and streamer sessions share: use moves the expiry, a cap holds it. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { slideExpiry } from './sliding-expiry.ts';

const test = suite('sliding expiry');
const HOUR = 3600_000;

test('use after a while slides the expiry a TTL ahead; use within 30 s writes nothing', () => {
  const record = { last_seen: 0, expires: HOUR, absolute_expires: 100 * HOUR };
  assert.is(slideExpiry(record, 3600, 10_000), false, 'too soon to be worth a store write');
  assert.is(record.expires, HOUR);
  assert.is(slideExpiry(record, 3600, 40 * 60_000), true);
  assert.equal(record, { last_seen: 40 * 60_000, expires: 40 * 60_000 + HOUR, absolute_expires: 100 * HOUR });
});

test('however busy, never past the absolute cap', () => {
  const record = { last_seen: 0, expires: HOUR, absolute_expires: 2 * HOUR };
  assert.ok(slideExpiry(record, 3600, 1.5 * HOUR));
  assert.is(record.expires, 2 * HOUR);
});

test.run();

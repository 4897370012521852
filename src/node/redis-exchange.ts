/**
 * Store.exchangeRecord on Redis: one Lua script, so taking a moderator key, writing the
 * session it buys and appending the audit line cost one round trip and no other caller
 * sees a state in between. Keys derived from the taken record (its id index, its room's
 * audit list) are built inside the script: fine on one Redis, not on Redis Cluster.
 */
import type { RecordExchange } from '../store/record-exchange.ts';

export const EXCHANGE_RECORD_LUA = `
local raw = redis.call('GET', KEYS[1])
if not raw then return false end
redis.call('DEL', KEYS[1])
local ok, taken = pcall(cjson.decode, raw)
-- A record the caller cannot use is consumed but buys nothing; the caller's schema reports it.
if not ok or type(taken) ~= 'table' or type(taken.id) ~= 'string' or type(taken.room) ~= 'string' then return raw end
redis.call('DEL', ARGV[1] .. taken.id)
local give = cjson.decode(ARGV[3])
for field, from in pairs(cjson.decode(ARGV[4])) do if taken[from] ~= nil and taken[from] ~= cjson.null then give[field] = taken[from] end end
redis.call('SET', ARGV[2], cjson.encode(give), 'EX', ARGV[7])
redis.call('SET', ARGV[5], ARGV[6], 'EX', ARGV[7])
local entry = cjson.decode(ARGV[9])
for field, from in pairs(cjson.decode(ARGV[10])) do if taken[from] ~= nil and taken[from] ~= cjson.null then entry[field] = taken[from] end end
local audit = ARGV[8] .. taken.room
redis.call('RPUSH', audit, cjson.encode(entry))
redis.call('LTRIM', audit, -tonumber(ARGV[11]), -1)
return raw`;

/** The script's KEYS and ARGV for an exchange, given how the store namespaces KV and audit keys. */
export function exchangeArguments(op: RecordExchange, kvKey: (key: string) => string, auditPrefix: string): [string, ...(string | number)[]] {
  if (!Number.isInteger(op.give.ttlSeconds) || op.give.ttlSeconds < 1) throw new RangeError('ttlSeconds must be a positive integer');
  if (!Number.isInteger(op.audit.cap) || op.audit.cap < 1) throw new RangeError('audit cap must be a positive integer');
  return [
    kvKey(op.take),
    kvKey(op.takeIdPrefix),
    kvKey(op.give.key),
    JSON.stringify(op.give.value),
    JSON.stringify(op.give.copy),
    kvKey(op.give.indexKey),
    op.give.indexValue,
    op.give.ttlSeconds,
    auditPrefix,
    JSON.stringify(op.audit.entry),
    JSON.stringify(op.audit.copy),
    op.audit.cap,
  ];
}

/**
 * Store.exchangeRecord on Redis: one Lua script, so taking a moderator key, writing the
 * session it buys and appending the audit line cost one round trip and no other caller
 * sees a state in between. Keys derived from the taken record (its id index, its room's
 * audit list) are built inside the script: fine on one Redis, not on Redis Cluster.
 */
import { ExchangeRateLimited, type RecordExchange } from '../store/record-exchange.ts';
import { countHitLua } from './redis-hit-counter-lua.ts';

export const EXCHANGE_RECORD_LUA = `
-- The rate-limit hit first (INCR, the window starting with the first one): over the limit the
-- reply is {ttl} and the record stays where it is.
if ARGV[12] ~= '' then${countHitLua('ARGV[12]', 'ARGV[14]')}
  if count > tonumber(ARGV[13]) then return {ttl} end
end
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
  if (op.limit && !(Number.isInteger(op.limit.windowSeconds) && op.limit.windowSeconds >= 1 && Number.isInteger(op.limit.max) && op.limit.max >= 0)) {
    throw new RangeError('limit needs a whole window of at least 1 second and a whole max');
  }
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
    // An empty key means no limit to count.
    op.limit ? kvKey(op.limit.key) : '',
    op.limit?.max ?? 0,
    op.limit?.windowSeconds ?? 0,
  ];
}

/** The script's reply: the raw record, null, or ExchangeRateLimited for the `{ttl}` of a refused hit. */
export function exchangeReply(reply: string | null | [number]): string | null {
  if (Array.isArray(reply)) throw new ExchangeRateLimited(Number(reply[0]));
  return reply;
}

/**
 * The Lua of one fixed-window hit, shared by the scripts that count one (INCR_WITH_TTL and the
 * key exchange's rate limit): INCR, and the first increment starts the window. Leaves the
 * locals `count` and `ttl` (seconds left) for the rest of the script.
 */
export const countHitLua = (key: string, windowSeconds: string) => `
local count = redis.call('INCR', ${key})
local ttl = redis.call('TTL', ${key})
if ttl < 0 then
  redis.call('EXPIRE', ${key}, ${windowSeconds})
  ttl = tonumber(${windowSeconds})
end`;

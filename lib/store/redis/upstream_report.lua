-- Records what a backend said about its own quota (Retry-After, X-RateLimit-*, RateLimit), for
-- every gateway instance. Rules: lib/limits/README.md ("Upstream quotas").
--
-- KEYS[1]   the backend's quota hash: remaining, reset (absolute ms on the Redis clock)
-- ARGV[1]   now in ms, or "" to use Redis TIME
-- ARGV[2]   calls remaining until the reset (0: blocked until then)
-- ARGV[3]   ms until the reset
-- Reply     the remaining count now stored

local now = tonumber(ARGV[1])
if not now then
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
local remaining, resetAfter = tonumber(ARGV[2]), tonumber(ARGV[3])
local reset = now + resetAfter
-- Reports of one window may arrive out of order; within this tolerance they are the same window.
local sameWindowMs = 1000

local quota = redis.call('HMGET', KEYS[1], 'remaining', 'reset')
local storedRemaining, storedReset = tonumber(quota[1]), tonumber(quota[2])
if storedRemaining and storedReset and storedReset > now then
  if storedRemaining <= 0 and (remaining > 0 or reset <= storedReset) then
    -- A block stands until its reset: a late success report never lifts it early.
    return storedRemaining
  end
  if math.abs(reset - storedReset) <= sameWindowMs and remaining > storedRemaining then
    -- Same window: the lowest count seen wins, since calls in flight report stale counts.
    return storedRemaining
  end
end
redis.call('HSET', KEYS[1], 'remaining', remaining, 'reset', reset)
redis.call('PEXPIRE', KEYS[1], math.max(1, resetAfter))
return remaining

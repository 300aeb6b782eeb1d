-- Takes one call from a backend's reported quota, shared by every gateway instance. A backend that
-- reported nothing (no key) is not limited here. Rules: lib/limits/README.md ("Upstream quotas").
--
-- KEYS[1]   the backend's quota hash: remaining, reset (absolute ms on the Redis clock)
-- ARGV[1]   now in ms, or "" to use Redis TIME
-- Reply     { allowed (1 or 0), remaining after this call (-1: no quota known), retry after ms }

local now = tonumber(ARGV[1])
if not now then
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end

local quota = redis.call('HMGET', KEYS[1], 'remaining', 'reset')
local remaining, reset = tonumber(quota[1]), tonumber(quota[2])
if not remaining or not reset or reset <= now then
  return { 1, -1, 0 }
end
if remaining <= 0 then
  return { 0, 0, reset - now }
end
redis.call('HINCRBY', KEYS[1], 'remaining', -1)
return { 1, remaining - 1, 0 }

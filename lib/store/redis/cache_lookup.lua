-- Response cache lookup with single flight: returns the cached payload, or makes the caller the
-- flight's leader, or tells it who leads and for how long. Protocol: lib/cache/README.md.
--
-- KEYS[1]   cached payload (string, expires with the tool's ttl)
-- KEYS[2]   flight lock (string: the leader's token, expires unless the leader extends it)
-- ARGV[1]   this caller's token
-- ARGV[2]   lock ttl in ms
-- Reply     { "hit", payload } | { "lead" } | { "wait", lock ttl left in ms }

local payload = redis.call('GET', KEYS[1])
if payload then
  return { 'hit', payload }
end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return { 'lead' }
end
local left = redis.call('PTTL', KEYS[2])
if left < 0 then
  -- The lock expired between SET and PTTL: report a short wait, the next lookup takes it.
  left = 1
end
return { 'wait', left }

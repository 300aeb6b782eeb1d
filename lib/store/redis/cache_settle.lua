-- Ends a single flight: stores the outcome when it may be cached, frees the lock if this leader
-- still holds it, and tells every waiter on every instance. Protocol: lib/cache/README.md.
--
-- KEYS[1]   cached payload
-- KEYS[2]   flight lock
-- ARGV[1]   the leader's token
-- ARGV[2]   channel the waiters listen on
-- ARGV[3]   message to publish
-- ARGV[4]   payload to store, or "" to store nothing
-- ARGV[5]   ttl of the stored payload in ms
-- Reply     1 when this leader still held the lock, else 0

if ARGV[4] ~= '' then
  redis.call('SET', KEYS[1], ARGV[4], 'PX', ARGV[5])
end
local held = 0
if redis.call('GET', KEYS[2]) == ARGV[1] then
  redis.call('DEL', KEYS[2])
  held = 1
end
redis.call('PUBLISH', ARGV[2], ARGV[3])
return held

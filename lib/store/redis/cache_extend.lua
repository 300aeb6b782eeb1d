-- Extends a flight lock while its leader is alive and still holds it (a heartbeat), so a leader
-- that dies is noticed within one lock ttl. Protocol: lib/cache/README.md.
--
-- KEYS[1]   flight lock
-- ARGV[1]   the leader's token
-- ARGV[2]   new ttl in ms
-- Reply     1 when extended, 0 when the lock is gone or held by another token

if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0

-- Sliding-window rate limit: checks one call against every limit it is subject to, atomically,
-- and counts it in all of them only when all admit it. Algorithm and error bound:
-- lib/limits/README.md (the TypeScript twin is lib/limits/sliding_window.ts).
--
-- Each limit is a hash of sub-window counters: field = sub-window index (floor(now / g), where
-- g = ceil(window / SUB_WINDOWS)), value = calls admitted in it. The sub-windows index-N .. index
-- (N + 1 of them, covering at least the whole window) are counted; older fields are deleted.
--
-- KEYS[i]   counter hash of limit i (all under one hash tag)
-- ARGV[1]   now in ms, or "" to use Redis TIME (tests pass a time, the gateway never does)
-- ARGV[2]   number of sub-windows N per window
-- ARGV[2i+1], ARGV[2i+2]   limit i: calls per window, window in ms
-- Reply     { allowed (1 or 0), index of the deciding limit (1-based), remaining,
--             retry after ms, reset after ms }

local now = tonumber(ARGV[1])
if not now then
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
local subWindows = tonumber(ARGV[2])

-- Reads one limit; returns its count, its (index, count) pairs oldest first, g and the current index.
local function load(key, windowMs)
  local g = math.ceil(windowMs / subWindows)
  local current = math.floor(now / g)
  local oldest = current - subWindows
  local flat = redis.call('HGETALL', key)
  local buckets, total, stale = {}, 0, {}
  for i = 1, #flat, 2 do
    local index, count = tonumber(flat[i]), tonumber(flat[i + 1])
    if index < oldest then
      stale[#stale + 1] = flat[i]
    else
      buckets[#buckets + 1] = { index, count }
      total = total + count
    end
  end
  if #stale > 0 then redis.call('HDEL', key, unpack(stale)) end
  table.sort(buckets, function(a, b) return a[1] < b[1] end)
  return total, buckets, g, current
end

-- Milliseconds until enough old sub-windows have dropped out for `need` calls to fit.
local function waitFor(buckets, total, limit, g, need)
  if need > limit then return -1 end
  local freed = 0
  for _, bucket in ipairs(buckets) do
    freed = freed + bucket[2]
    if total - freed + need <= limit then
      return (bucket[1] + subWindows + 1) * g - now
    end
  end
  return 0
end

-- Milliseconds until the oldest counted sub-window drops out (the count next decreases).
local function resetAfter(buckets, g, current)
  local first = buckets[1]
  local index = first and first[1] or current
  return (index + subWindows + 1) * g - now
end

local states = {}
local denied, deniedWait = 0, -1
for i = 1, #KEYS do
  local limit, windowMs = tonumber(ARGV[2 * i + 1]), tonumber(ARGV[2 * i + 2])
  local total, buckets, g, current = load(KEYS[i], windowMs)
  states[i] = { total = total, buckets = buckets, g = g, current = current, limit = limit }
  if total + 1 > limit then
    local wait = waitFor(buckets, total, limit, g, 1)
    if wait < 0 then wait = windowMs end
    if wait > deniedWait then denied, deniedWait = i, wait end
  end
end

if denied > 0 then
  local state = states[denied]
  return { 0, denied, 0, deniedWait, resetAfter(state.buckets, state.g, state.current) }
end

local tightest, fewest = 1, -1
for i = 1, #KEYS do
  local state = states[i]
  local field = string.format('%.0f', state.current)
  redis.call('HINCRBY', KEYS[i], field, 1)
  redis.call('PEXPIRE', KEYS[i], (subWindows + 1) * state.g)
  state.buckets[#state.buckets + 1] = { state.current, 1 }
  local left = state.limit - state.total - 1
  if fewest < 0 or left < fewest then tightest, fewest = i, left end
end
local state = states[tightest]
table.sort(state.buckets, function(a, b) return a[1] < b[1] end)
return { 1, tightest, fewest, 0, resetAfter(state.buckets, state.g, state.current) }

-- One batch of searches (history.ts): the newest entries onto the capped recent list, each
-- query's count into the top set, both trimmed; atomic, one call per batch.
-- KEYS[1] recent list, KEYS[2] top sorted set.
-- ARGV: maxRecent, maxTop, number of entries E, E entries (oldest first), then count/query pairs.
local maxRecent = tonumber(ARGV[1])
local maxTop = tonumber(ARGV[2])
local entries = tonumber(ARGV[3])
if entries > 0 then
  redis.call('LPUSH', KEYS[1], unpack(ARGV, 4, 3 + entries))
  redis.call('LTRIM', KEYS[1], 0, maxRecent - 1)
end
for i = 4 + entries, #ARGV, 2 do
  redis.call('ZINCRBY', KEYS[2], ARGV[i], ARGV[i + 1])
end
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(maxTop + 1))
return entries

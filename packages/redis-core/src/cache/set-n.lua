-- cache.setMany (warming writes thousands of entries): SET key payload PX pttl for every key
-- in one call, so a batch costs the client one command instead of one per entry.
-- KEYS: cache entries. ARGV: payload1, pttl1 (ms), payload2, pttl2, …
for i, key in ipairs(KEYS) do
  redis.call('SET', key, ARGV[2 * i - 1], 'PX', ARGV[2 * i])
end
return #KEYS

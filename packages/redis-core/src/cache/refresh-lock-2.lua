-- Grace period: take the refresh lock only while the entry is still logically expired, so a
-- stale read that raced with a finished refresh does not reload a value that is fresh again.
-- Grace entries look like `~<logicalExpiryMs>~<json>` (see cache-envelope.ts).
-- KEYS[1] cache entry, KEYS[2] its lock
-- ARGV[1] token, ARGV[2] lock TTL (ms), ARGV[3] now (ms)
-- Returns 1 when the lock was taken, 0 otherwise.
local value = redis.call('GET', KEYS[1])
if value then
  local expiry = tonumber(string.match(value, '^~(%d+)~'))
  if expiry and expiry > tonumber(ARGV[3]) then
    return 0
  end
end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return 1
end
return 0

-- Fenced write of a loaded value: store it only while the caller still owns the lock, then
-- release the lock. A loader that outlived its lock (paused, slow origin) finds another token
-- here and its write is dropped, so it can never overwrite a newer value.
-- KEYS[1] cache entry, KEYS[2] its lock
-- ARGV[1] lock token, ARGV[2] encoded entry, ARGV[3] physical TTL (ms)
-- Returns 1 when written, 0 when the lock was lost.
if redis.call('GET', KEYS[2]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  redis.call('DEL', KEYS[2])
  return 1
end
return 0

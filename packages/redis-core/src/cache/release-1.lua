-- Release a lock only when the caller still owns it (its token matches), so a caller whose
-- lock expired never deletes the lock another caller has taken since.
-- KEYS[1] lock, ARGV[1] token. Returns 1 when released.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0

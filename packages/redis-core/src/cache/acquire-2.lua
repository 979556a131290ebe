-- Miss path of cache.getOrLoad: return the entry when another caller stored it meanwhile,
-- otherwise try to take the loader lock. Atomic, so a value written between the caller's
-- first GET and this call is never loaded twice.
-- KEYS[1] cache entry, KEYS[2] its lock
-- ARGV[1] lock token, ARGV[2] lock TTL (ms), ARGV[3] '1' to ignore an existing (unreadable) entry
-- Returns {1, value, pttl} (entry present), {2} (lock taken), {0} (lock held by someone else).
if ARGV[3] ~= '1' then
  local value = redis.call('GET', KEYS[1])
  if value then
    return {1, value, redis.call('PTTL', KEYS[1])}
  end
end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {2}
end
return {0}

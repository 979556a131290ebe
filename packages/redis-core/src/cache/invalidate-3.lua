-- Invalidation of one entry: the entry and its loader lock go (a load that began before the
-- write can no longer store: its fenced store needs the lock), and with a version the fence is
-- raised to it, so a bulk write that read an older version of the product is refused.
-- KEYS[1] entry, KEYS[2] its loader lock, KEYS[3] its fence (all in the entry's slot)
-- ARGV[1] version of the change ('' = none: no fence), ARGV[2] fence TTL (ms)
-- Returns 1 when an entry existed, else 0.
local removed = redis.call('UNLINK', KEYS[1])
redis.call('UNLINK', KEYS[2])
if ARGV[1] ~= '' then
  local fence = tonumber(redis.call('GET', KEYS[3]))
  if fence == nil or fence < tonumber(ARGV[1]) then
    redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[2])
  else
    redis.call('PEXPIRE', KEYS[3], ARGV[2])
  end
end
return removed

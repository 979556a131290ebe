-- cache.setMany with versions (worker warming / TTL refresh): like set-n.lua, but an entry is
-- skipped when its fence (raised by cache.invalidate to the version of a change) is above the
-- version the caller read: the product changed after that read, and writing it would bring the
-- old product back. Versions come from the catalog, never from a clock.
-- O(1) per key: one GET of the fence, then the SET.
-- KEYS: entry1, fence1, entry2, fence2, … (each pair in one slot)
-- ARGV: payload1, pttl1, version1, payload2, pttl2, version2, …
-- Returns the number of entries written.
local written = 0
for i = 1, #KEYS / 2 do
  local fence = tonumber(redis.call('GET', KEYS[2 * i]))
  if fence == nil or fence <= tonumber(ARGV[3 * i]) then
    redis.call('SET', KEYS[2 * i - 1], ARGV[3 * i - 2], 'PX', ARGV[3 * i - 1])
    written = written + 1
  end
end
return written

-- cache.setMany with readStartedAt (worker warming / TTL refresh): like cache-set-n, but a key
-- whose fence (written by cache.invalidate) is not older than ARGV[1] is skipped: the catalog
-- changed after the caller read the value, and writing it would bring the old product back.
-- O(1) per key: one GET of the fence, then the SET.
-- KEYS: entry1, fence1, entry2, fence2, … (each pair in one slot)
-- ARGV[1]: threshold (ms, caller clock): skip when fence >= threshold; then payload1, pttl1, …
-- Returns the number of entries written.
local threshold = tonumber(ARGV[1])
local written = 0
for i = 1, #KEYS / 2 do
  local fence = redis.call('GET', KEYS[2 * i])
  if not fence or tonumber(fence) < threshold then
    redis.call('SET', KEYS[2 * i - 1], ARGV[2 * i], 'PX', ARGV[2 * i + 1])
    written = written + 1
  end
end
return written

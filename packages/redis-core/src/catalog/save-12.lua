--[[
  Writes one product and moves every index entry it owns, atomically.

  KEYS: 1 product, 2 products set, 3 by_price, 4 by_name, 5 categories set,
        6 old category set, 7 old category by_price, 8 old category by_name,
        9 new category set, 10 new category by_price, 11 new category by_name,
        12 versions hash (id → version: every write bumps it, fills are fenced by it)
  ARGV: 1 mode ('create' | 'write'), 2 expected current JSON ('' = absent), 3 id, 4 new JSON,
        5 new price, 6 old category ('' = none or unreadable), 7 new category,
        8 old by_name sort member ('' = none), 9 new sort member,
        10 count k of old name-word members, 11..10+k old members, the rest new members

  Returns {'OK', version}, {'EXISTS', current} (create on an existing id) or {'STALE', current|nil}
  when the product changed since the caller read it: the caller recomputes from `current`
  and retries (compare-and-set, since old index entries are derived from the old JSON).
]]
local current = redis.call('GET', KEYS[1])
if ARGV[1] == 'create' and current then
  return {'EXISTS', current}
end
if (current or '') ~= ARGV[2] then
  return {'STALE', current}
end

-- SET first: it is the first command that Redis refuses when maxmemory is reached, so an
-- out-of-memory refusal happens before anything changed; once a script has written, Redis
-- lets it finish, so the indexes below are never left half-moved.
redis.call('SET', KEYS[1], ARGV[4])

local id = ARGV[3]
local version = redis.call('HINCRBY', KEYS[12], id, 1)
local oldCount = tonumber(ARGV[10])
if current then
  if ARGV[6] ~= '' then
    redis.call('SREM', KEYS[6], id)
    redis.call('ZREM', KEYS[7], id)
    if ARGV[8] ~= '' then redis.call('ZREM', KEYS[8], ARGV[8]) end
  end
  for i = 11, 10 + oldCount do redis.call('ZREM', KEYS[4], ARGV[i]) end
end

redis.call('SADD', KEYS[2], id)
redis.call('ZADD', KEYS[3], ARGV[5], id)
redis.call('SADD', KEYS[9], id)
redis.call('ZADD', KEYS[10], ARGV[5], id)
redis.call('ZADD', KEYS[11], 0, ARGV[9])
redis.call('SADD', KEYS[5], ARGV[7])
for i = 11 + oldCount, #ARGV do redis.call('ZADD', KEYS[4], 0, ARGV[i]) end

-- A category that lost its last product leaves the categories set (its keys are gone already:
-- Redis deletes empty sets and sorted sets).
if current and ARGV[6] ~= '' and ARGV[6] ~= ARGV[7] and redis.call('SCARD', KEYS[6]) == 0 then
  redis.call('SREM', KEYS[5], ARGV[6])
end
return {'OK', version}

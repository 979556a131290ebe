--[[
  Deletes one product and every index entry it owns, atomically.

  KEYS: 1 product, 2 products set, 3 by_price, 4 by_name, 5 categories set,
        6 category set, 7 category by_price, 8 category by_name,
        9 versions hash (bumped here too: a fill that read the product before it went is refused)
  ARGV: 1 expected current JSON, 2 id, 3 category ('' = unreadable), 4 by_name sort member,
        5.. name-word members

  Returns {'OK', version}, {'MISSING'} or {'STALE', current} (changed since read: caller retries).
]]
local current = redis.call('GET', KEYS[1])
if not current then
  return {'MISSING'}
end
if current ~= ARGV[1] then
  return {'STALE', current}
end

local id = ARGV[2]
redis.call('DEL', KEYS[1])
local version = redis.call('HINCRBY', KEYS[9], id, 1)
redis.call('SREM', KEYS[2], id)
redis.call('ZREM', KEYS[3], id)
for i = 5, #ARGV do redis.call('ZREM', KEYS[4], ARGV[i]) end
if ARGV[3] ~= '' then
  redis.call('SREM', KEYS[6], id)
  redis.call('ZREM', KEYS[7], id)
  redis.call('ZREM', KEYS[8], ARGV[4])
  if redis.call('SCARD', KEYS[6]) == 0 then redis.call('SREM', KEYS[5], ARGV[3]) end
end
return {'OK', version}

-- Hit path of cache.getOrLoad, batched: GET and PTTL of every key, in one call.
-- KEYS: cache entries (any number). Returns {value1, pttl1, value2, pttl2, …}; a missing
-- entry is nil with PTTL -2. A key whose GET fails (WRONGTYPE) gets the error text and -3,
-- so one bad key fails only its own read.
local out = {}
for i, key in ipairs(KEYS) do
  local value = redis.pcall('GET', key)
  if type(value) == 'table' and value.err then
    out[2 * i - 1] = value.err
    out[2 * i] = -3
  else
    out[2 * i - 1] = value
    out[2 * i] = redis.call('PTTL', key)
  end
end
return out

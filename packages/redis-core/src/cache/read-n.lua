-- Hit path of cache.getOrLoad, batched: GET and PTTL of every key, in one call.
-- KEYS: cache entries (any number). Returns {value1, pttl1, value2, pttl2, …}; a missing
-- entry is nil with PTTL -2. A key whose GET fails (WRONGTYPE) gets the error text and -3,
-- so one bad key fails only its own read.
-- One MGET for all the values (MGET answers nil for a key of another type, which PTTL then
-- tells apart from a missing key: only those few are read again with GET for their error).
local values = redis.call('MGET', unpack(KEYS))
local out = {}
for i, key in ipairs(KEYS) do
  local value = values[i]
  local pttl = redis.call('PTTL', key)
  if not value and pttl ~= -2 then
    local err = redis.pcall('GET', key)
    if type(err) == 'table' and err.err then
      value = err.err
      pttl = -3
    else
      value = err
    end
  end
  out[2 * i - 1] = value
  out[2 * i] = pttl
end
return out

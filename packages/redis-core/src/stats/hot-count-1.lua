-- Stats flush: add this batch's read counts of every id to the hot-count sorted set in one
-- command (a uniform workload touches thousands of distinct ids per flush).
-- KEYS[1] stats:hot:count. ARGV: n1, id1, n2, id2, …
for i = 1, #ARGV, 2 do
  redis.call('ZINCRBY', KEYS[1], ARGV[i], ARGV[i + 1])
end
return #ARGV / 2

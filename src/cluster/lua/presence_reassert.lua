-- ARGV: instance, prefix, then user and count pairs. Writes this
-- instance's counts back; returns the users it brought back online.
local back = {}
for i = 3, #ARGV, 2 do
  local user = ARGV[i]
  local hash = ARGV[2] .. 'count:' .. user
  local before = total(hash)
  redis.call('HSET', hash, ARGV[1], ARGV[i + 1])
  redis.call('SADD', ARGV[2] .. 'users:' .. ARGV[1], user)
  local returning = redis.call('DEL', ARGV[2] .. 'offline:' .. user)
  redis.call('ZREM', 'chat:presence:pending', user)
  if before == 0 and returning == 0 then table.insert(back, user) end
end
return back

-- ARGV: instance, prefix, then user and count pairs: this instance's
-- socket counts, written back.
for i = 3, #ARGV, 2 do
  redis.call('HSET', ARGV[2] .. 'sockets:' .. ARGV[i], ARGV[1], ARGV[i + 1])
  redis.call('SADD', ARGV[2] .. 'users:' .. ARGV[1], ARGV[i])
end
return 0

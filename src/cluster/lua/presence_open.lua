-- A socket opened.
-- KEYS: count hash, offline marker, instance's users. ARGV: instance, user.
-- Returns 1 when the user came online.
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('SADD', KEYS[3], ARGV[2])
local returning = redis.call('DEL', KEYS[2])
if returning == 1 then redis.call('ZREM', 'chat:presence:pending', ARGV[2]) end
if returning == 0 and total(KEYS[1]) == 1 then return 1 end
return 0

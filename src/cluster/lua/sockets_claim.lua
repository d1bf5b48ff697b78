-- KEYS: socket counts, instance's users. ARGV: instance, user, cap.
-- Returns 1 when a slot was claimed.
if total(KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('SADD', KEYS[2], ARGV[2])
return 1

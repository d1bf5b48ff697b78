-- KEYS: typing key, user's chats. ARGV: token, ttl (ms), chat.
-- Returns 1 when the key existed (a renewal).
local existed = redis.call('EXISTS', KEYS[1])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return existed

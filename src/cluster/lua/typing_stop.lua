-- KEYS: as typing_start. ARGV: chat. Returns 1 when the key existed.
local existed = redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
return existed

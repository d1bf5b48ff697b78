-- KEYS: as typing_start. ARGV: token, chat. Returns 1 when the key still
-- held the token (and is now gone).
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('SREM', KEYS[2], ARGV[2])
  return 1
end
return 0

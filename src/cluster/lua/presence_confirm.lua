-- The grace period of a ticket ended.
-- KEYS: count hash, offline marker. ARGV: ticket, user.
-- Returns 1 when the user is to be announced offline (once).
if redis.call('GET', KEYS[2]) == ARGV[1] and total(KEYS[1]) == 0 then
  redis.call('DEL', KEYS[2])
  redis.call('ZREM', 'chat:presence:pending', ARGV[2])
  return 1
end
return 0

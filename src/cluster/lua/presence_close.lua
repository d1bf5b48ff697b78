-- A socket closed.
-- KEYS: as presence_open. ARGV: instance, user, ticket, marker ttl (ms),
-- overdue after (ms).
-- Returns 1 when the total reached 0 and the ticket is now pending.
local n = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
if n <= 0 then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('SREM', KEYS[3], ARGV[2])
end
-- Below zero: a sweep already took this instance's sockets out (and
-- started the transition itself).
if n < 0 then return 0 end
if total(KEYS[1]) == 0 then
  pend(KEYS[2], ARGV[2], ARGV[3], ARGV[4], ARGV[5])
  return 1
end
return 0

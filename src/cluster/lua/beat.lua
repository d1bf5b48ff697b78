-- One heartbeat of an instance and the sweep of crashed ones.
-- KEYS: instances, overdue list. ARGV: instance, its timeout (ms), ticket,
-- marker ttl (ms), prefix, overdue after (ms). Returns {1 if this instance
-- was not listed, users left offline, overdue users and tickets}.
local now = now_ms()
local added = redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
local orphans = {}
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. now)
for _, instance in ipairs(dead) do
  redis.call('ZREM', KEYS[1], instance)
  local users_key = ARGV[5] .. 'users:' .. instance
  for _, user in ipairs(redis.call('SMEMBERS', users_key)) do
    local hash = ARGV[5] .. 'count:' .. user
    local marker = ARGV[5] .. 'offline:' .. user
    redis.call('HDEL', hash, instance)
    redis.call('HDEL', ARGV[5] .. 'sockets:' .. user, instance)
    if total(hash) == 0 and redis.call('EXISTS', marker) == 0 then
      pend(marker, user, ARGV[3], ARGV[4], ARGV[6])
      table.insert(orphans, user)
    end
  end
  redis.call('DEL', users_key)
end
-- Transitions whose confirmer should have confirmed long ago (it died):
-- this instance takes them over, and stays listed as due again later in
-- case it dies too (confirming removes the entry).
local overdue = {}
for _, user in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. now, 'LIMIT', 0, 100)) do
  local ticket = redis.call('GET', ARGV[5] .. 'offline:' .. user)
  if ticket then
    redis.call('ZADD', KEYS[2], now + tonumber(ARGV[6]), user)
    table.insert(overdue, user)
    table.insert(overdue, ticket)
  else
    redis.call('ZREM', KEYS[2], user)
  end
end
return {added, orphans, overdue}

-- Prepended to every presence and socket-slot script: the sum of a count
-- hash, Redis time in milliseconds, and starting an offline transition (the
-- marker, and an entry in the overdue list in case its confirmer dies).
local function total(key)
  local n = 0
  for _, v in ipairs(redis.call('HVALS', key)) do n = n + tonumber(v) end
  return n
end
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function pend(marker, user, ticket, ttl, overdue_after)
  redis.call('SET', marker, ticket, 'PX', ttl)
  redis.call('ZADD', 'chat:presence:pending', now_ms() + tonumber(overdue_after), user)
end

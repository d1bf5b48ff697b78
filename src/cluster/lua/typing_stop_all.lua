-- KEYS: user's chats. ARGV: user. Returns the chats whose key existed.
local stopped = {}
for _, chat in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('DEL', 'chat:typing:' .. chat .. ':' .. ARGV[1]) == 1 then
    table.insert(stopped, chat)
  end
end
redis.call('DEL', KEYS[1])
return stopped

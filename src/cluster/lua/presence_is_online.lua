-- KEYS: count hash, offline marker. 1 when online, or within the grace period.
if total(KEYS[1]) > 0 or redis.call('EXISTS', KEYS[2]) == 1 then return 1 end
return 0

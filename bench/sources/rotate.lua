-- wrk: each request asks for the next of ACCOUNTS accounts' week (Zonio-style), so the
-- load spreads over every account as a page of many people would.
local n = 0
request = function()
  n = n + 1
  local i = (n % ACCOUNTS) + 1
  return wrk.format("GET", string.format("/person%02d@example.com?start=%d&end=%d", i, START, FINISH))
end

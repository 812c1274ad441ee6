-- Generic wrk script: POSTs one JSON body (e.g. a GraphQL request) to the URL given to wrk.
--
--   WRK_BODY='{"query":"{ __typename }"}' wrk -t1 -c4 -d10s -s bench/peers/post.lua http://127.0.0.1:PORT/graphql
--   WRK_BODY_FILE=/tmp/wall.json        wrk ... -s bench/peers/post.lua URL
--
-- Env: WRK_BODY (the body itself) or WRK_BODY_FILE (a file holding it); optional
-- WRK_AUTH (sent as "Authorization: <value>", e.g. "Bearer abc").
-- At the end prints how many responses were not HTTP 200 and how many contained
-- '"errors"' (a GraphQL error answered with 200 must not pass for throughput),
-- plus the size of the first response body.

local function read_body()
  local b = os.getenv("WRK_BODY")
  if b and #b > 0 then return b end
  local f = os.getenv("WRK_BODY_FILE")
  if f and #f > 0 then
    local h = assert(io.open(f, "rb"), "cannot open WRK_BODY_FILE " .. f)
    local s = h:read("*a")
    h:close()
    return s
  end
  error("set WRK_BODY or WRK_BODY_FILE")
end

wrk.method = "POST"
wrk.body = read_body()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
local auth = os.getenv("WRK_AUTH")
if auth and #auth > 0 then wrk.headers["Authorization"] = auth end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non200 = 0
  gqlerrors = 0
  firstlen = -1
end

function response(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 end
  if body and string.find(body, '"errors"', 1, true) then gqlerrors = gqlerrors + 1 end
  if firstlen < 0 and body then firstlen = #body end
end

function done(summary, latency, requests)
  local n, e, len = 0, 0, -1
  for _, t in ipairs(threads) do
    n = n + t:get("non200")
    e = e + t:get("gqlerrors")
    local l = t:get("firstlen")
    if len < 0 and l and l >= 0 then len = l end
  end
  io.write(string.format("non-200: %d  graphql errors: %d  first body bytes: %d\n", n, e, len))
  io.write(string.format("latency p50 %.2f ms  p90 %.2f ms  p99 %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000))
end

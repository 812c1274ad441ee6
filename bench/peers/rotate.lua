-- wrk script for bench/http_bench.py: POSTs JSON bodies taken in turn from a file, one body a line.
--
--   WRK_BODIES=/tmp/wall.jsonl WRK_AUTH='Bearer abc' \
--     wrk -t1 -c4 -d10s --latency -s bench/peers/rotate.lua http://127.0.0.1:PORT/graphql
--
-- Env: WRK_BODIES   file of request bodies, one per line; every request takes the next line
--                   (a file of one line repeats one body: the "identical" way).
--      WRK_AUTH     optional, sent as "Authorization: <value>".
--      WRK_SEQ      optional prefix: every "__SEQ__" in a body becomes <prefix><counter>, unique per
--                   request (mutations: distinct idempotency keys and texts).
-- At the end prints one line `BENCH {json}`: requests, duration, non-200 responses, responses
-- holding '"errors"' (a GraphQL error answered with 200 must not pass for throughput), socket
-- errors and latency percentiles in microseconds.

local bodies = {}
local prepared = {}
local idx = 0
local seq = 0
local seq_prefix = nil
local headers = {}

function init(args)
  non200 = 0
  gqlerrors = 0
  responses = 0
  local path = os.getenv("WRK_BODIES")
  assert(path and #path > 0, "set WRK_BODIES")
  for line in io.lines(path) do
    if #line > 0 then table.insert(bodies, line) end
  end
  assert(#bodies > 0, "no bodies in " .. path)
  headers["Content-Type"] = "application/json"
  headers["Accept"] = "application/json"
  local auth = os.getenv("WRK_AUTH")
  if auth and #auth > 0 then headers["Authorization"] = auth end
  local p = os.getenv("WRK_SEQ")
  if p and #p > 0 then
    seq_prefix = p
  else
    -- Without substitution every request is one of the prepared byte strings.
    for i, b in ipairs(bodies) do prepared[i] = wrk.format("POST", nil, headers, b) end
  end
end

function request()
  idx = idx % #bodies + 1
  if seq_prefix == nil then return prepared[idx] end
  seq = seq + 1
  local token = seq_prefix .. seq
  local body = string.gsub(bodies[idx], "__SEQ__", token)
  return wrk.format("POST", nil, headers, body)
end

function response(status, hdrs, body)
  responses = responses + 1
  if status ~= 200 then non200 = non200 + 1 end
  if body and string.find(body, '"errors"', 1, true) then gqlerrors = gqlerrors + 1 end
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function done(summary, latency, requests)
  local n, e, r = 0, 0, 0
  for _, t in ipairs(threads) do
    n = n + (t:get("non200") or 0)
    e = e + (t:get("gqlerrors") or 0)
    r = r + (t:get("responses") or 0)
  end
  local s = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"responses":%d,"non200":%d,"gql_errors":%d,' ..
    '"socket_errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, r, n, e, s.connect, s.read, s.write, s.status, s.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end

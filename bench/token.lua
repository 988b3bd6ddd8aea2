-- wrk script for bench/token.sh and bench/soak.sh: POSTs a client-credentials token request on every request.
-- Inputs come from the environment (set by the calling script), so no secret appears on wrk's command line:
--   BENCH_AUTH  base64 of "client_id:client_secret" (HTTP Basic, client_secret_basic)
--   BENCH_BODY  the form body (default grant_type=client_credentials)
-- At the end it prints one machine-readable line that token.sh and soak.sh parse:
--   BENCH_RESULT requests=N non2xx=N socket_errors=N status5xx=N
-- plus a per-status breakdown when anything other than 2xx was seen.

wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY") or "grant_type=client_credentials"
wrk.headers["Authorization"] = "Basic " .. assert(os.getenv("BENCH_AUTH"), "BENCH_AUTH is not set")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

-- Each wrk thread has its own Lua state: keep the thread handles so done() can add their counters up.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

-- Per-thread counters (globals, so thread:get() can read them from done()).
non2xx = 0
status5xx = 0
statuses = {}

-- wrk's own "Non-2xx or 3xx responses" only counts status >= 400; count every status outside 200-299.
function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    statuses[status] = (statuses[status] or 0) + 1
  end
  if status >= 500 then
    status5xx = status5xx + 1
  end
end

function done(summary, latency, requests)
  local bad, server, by_status = 0, 0, {}
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("non2xx")
    server = server + thread:get("status5xx")
    for status, n in pairs(thread:get("statuses")) do
      by_status[status] = (by_status[status] or 0) + n
    end
  end
  local e = summary.errors
  local socket = e.connect + e.read + e.write + e.timeout
  io.write(string.format("BENCH_RESULT requests=%d non2xx=%d socket_errors=%d status5xx=%d\n",
    summary.requests, bad, socket, server))
  if bad > 0 then
    local parts = {}
    for status, n in pairs(by_status) do
      table.insert(parts, string.format("%d x%d", status, n))
    end
    table.sort(parts)
    io.write("BENCH_STATUSES " .. table.concat(parts, ", ") .. "\n")
  end
  if socket > 0 then
    io.write(string.format("BENCH_SOCKET connect=%d read=%d write=%d timeout=%d\n",
      e.connect, e.read, e.write, e.timeout))
  end
end

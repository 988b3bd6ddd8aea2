-- wrk script for bench/list.sh: GETs the page wrk was given, as a signed-in admin.
-- Input comes from the environment (set by list.sh), so the session cookie is not on wrk's command line:
--   BENCH_COOKIE  value of the frontdesk_session cookie
-- At the end it prints one machine-readable line that list.sh parses:
--   BENCH_RESULT requests=N non2xx=N socket_errors=N
-- plus a per-status breakdown when anything other than 2xx was seen (a lost session shows up here as
-- 303 redirects to /login, never as a fast page).

wrk.method = "GET"
wrk.headers["Cookie"] = "frontdesk_session=" .. assert(os.getenv("BENCH_COOKIE"), "BENCH_COOKIE is not set")

-- Each wrk thread has its own Lua state: keep the thread handles so done() can add their counters up.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

-- Per-thread counters (globals, so thread:get() can read them from done()).
non2xx = 0
statuses = {}

-- wrk's own "Non-2xx or 3xx responses" only counts status >= 400; count every status outside 200-299.
function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    statuses[status] = (statuses[status] or 0) + 1
  end
end

function done(summary, latency, requests)
  local bad, by_status = 0, {}
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("non2xx")
    for status, n in pairs(thread:get("statuses")) do
      by_status[status] = (by_status[status] or 0) + n
    end
  end
  local e = summary.errors
  local socket = e.connect + e.read + e.write + e.timeout
  io.write(string.format("BENCH_RESULT requests=%d non2xx=%d socket_errors=%d\n",
    summary.requests, bad, socket))
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

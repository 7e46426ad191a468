-- The full submission (POST → redirect), each from its own logged-in session and for its
-- own subscription, as month-end customers would. BENCH_SESSIONS names the file of
-- "sessionid csrftoken subscription" lines; each thread takes every n-th line and stops
-- when its share is used (so a burst sends each line exactly once).
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
require("common")
local desired = os.getenv("BENCH_DESIRED_DATE")
local lines = {}
local position = 0
-- wrk calls request() once on the first thread to check the script, and never sends that
-- request: that call must not use up a session.
local checking = false

function init(args)
  local id = wrk.thread:get("id")
  checking = (id == 0)
  local count = tonumber(os.getenv("BENCH_THREADS") or "2")
  local n = 0
  for line in io.lines(os.getenv("BENCH_SESSIONS")) do
    if n % count == id then
      table.insert(lines, line)
    end
    n = n + 1
  end
end

function request()
  if checking then
    checking = false
    return wrk.format("GET", "/healthz")
  end
  position = position + 1
  local line = lines[position]
  if line == nil then
    stopping = true
    wrk.thread:stop()
    return wrk.format("GET", "/healthz")
  end
  local session, csrf, subscription = line:match("(%S+) (%S+) (%S+)")
  local body = "csrfmiddlewaretoken=" .. csrf .. "&subscription=" .. subscription
    .. "&desired_date=" .. desired .. "&kind=definitive&idempotency_key=" .. session
  return wrk.format("POST", "/resiliation/confirmer/", {
    ["Cookie"] = "sessionid=" .. session .. "; csrftoken=" .. csrf,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, body)
end

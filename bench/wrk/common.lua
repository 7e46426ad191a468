-- Shared by the scripts: count answers that are not the expected status, and print one
-- JSON line the runner parses (requests, duration, latency percentiles, failures).
local threads = {}
expected = tonumber(os.getenv("BENCH_EXPECT") or "200")

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function response(status, headers, body)
  if stopping then
    return
  end
  if status ~= expected then
    bad = (bad or 0) + 1
  end
end

function done(summary, latency, requests)
  local failed = 0
  for _, thread in ipairs(threads) do
    failed = failed + (thread:get("bad") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, '
      .. '"unexpected_status": %d, "socket_errors": %d, "timeouts": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, failed, e.connect + e.read + e.write, e.timeout))
end

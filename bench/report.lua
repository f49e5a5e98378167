-- Shared by the wrk scripts: counts responses by status in every thread, and prints them with the latency
-- percentiles when the run is done (bench.py reads these lines).
statuses = {}
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_no", #threads)
end

function count(status)
  statuses[status] = (statuses[status] or 0) + 1
end

function response(status, headers, body)
  count(status)
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for code, n in pairs(thread:get("statuses")) do total[code] = (total[code] or 0) + n end
  end
  for code, n in pairs(total) do io.write(string.format("status %d %d\n", code, n)) end
  for _, p in ipairs({50, 90, 99, 99.9}) do
    io.write(string.format("latency_us p%s %d\n", p, latency:percentile(p)))
  end
end

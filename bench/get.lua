-- wrk script: GET /MRI/{id} over a list of stored ids (or, with "page" as the id file, one page of GET /MRI).
-- Arguments: <id list file | "page"> <token file>
local ids, tokens = {}, {}
local counter, page = 0, false
statuses = {}
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  if args[1] == "page" then page = true else for id in io.lines(args[1]) do ids[#ids + 1] = id end end
  for token in io.lines(args[2]) do tokens[#tokens + 1] = token end
end

function request()
  counter = counter + 1
  local path = page and "/MRI?limit=50" or ("/MRI/" .. ids[(counter % #ids) + 1])
  return wrk.format("GET", path, {["Authorization"] = "Bearer " .. tokens[(counter % #tokens) + 1]})
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
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

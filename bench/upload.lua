-- wrk script: POST /MRI as multipart, a different image or hospital on every request (so no upload is a
-- duplicate), tokens of several users in turn. Arguments: <image list file> <token file> <run id> [delay ms]
local images, tokens = {}, {}
local counter, run, delay_ms = 0, "run", 0
statuses = {}
local threads = {}
local boundary = "----mri-bench-boundary"

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_no", #threads)
end

function init(args)
  for path in io.lines(args[1]) do
    local f = assert(io.open(path, "rb"))
    images[#images + 1] = f:read("*all")
    f:close()
  end
  for token in io.lines(args[2]) do tokens[#tokens + 1] = token end
  run = args[3] .. "-" .. thread_no
  delay_ms = tonumber(args[4] or "0")
end

function delay()
  return delay_ms
end

function request()
  counter = counter + 1
  local image = images[(counter % #images) + 1]
  local token = tokens[(counter % #tokens) + 1]
  local body = "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"gender\"\r\n\r\nfemale\r\n" ..
      "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"hospital\"\r\n\r\nbench-" .. run .. "-" .. counter .. "\r\n" ..
      "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"scan.jpg\"\r\n" ..
      "Content-Type: image/jpeg\r\n\r\n" .. image .. "\r\n--" .. boundary .. "--\r\n"
  return wrk.format("POST", "/MRI", {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "multipart/form-data; boundary=" .. boundary
  }, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for code, n in pairs(s) do total[code] = (total[code] or 0) + n end
  end
  for code, n in pairs(total) do io.write(string.format("status %d %d\n", code, n)) end
  for _, p in ipairs({50, 90, 99, 99.9}) do
    io.write(string.format("latency_us p%s %d\n", p, latency:percentile(p)))
  end
end

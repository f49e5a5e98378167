-- wrk script: POST /MRI as multipart, a different image or hospital on every request (so no upload is a
-- duplicate), tokens of several users in turn. Arguments: <image list file> <token file | "none"> <run id> [client]
-- [file part name]: "none" sends no Authorization header, and the part name (default "file") is "image" for the
-- original's stand-in (../shared/peer-original), which takes its upload under that name and wants no token.
-- How a client behaves after an answer (the fourth argument):
--   polite (default)  the next request at once, except after a 503/429: then it waits Retry-After (x0.5..1.5,
--                     so refused clients do not come back in step), as the API asks of its clients;
--   impatient         the next request at once, whatever the answer (a client that ignores Retry-After);
--   think:MS          a random pause, exponential with mean MS, before every request, whatever the answer: many
--                     such clients together arrive about as a Poisson stream, the open-loop offered load of
--                     the overload scenario.
-- wrk calls delay() once per answer on some connection, not necessarily the one refused: the waits are
-- counted, so the population waits as it should, though not always on the connection that was told to.
dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "report.lua")
local images, tokens = {}, {}
local counter, run, client, think_ms = 0, "run", "polite", 0
local waits, retry_ms = 0, 1000
local boundary = "----mri-bench-boundary"
local part = "file"

function init(args)
  for path in io.lines(args[1]) do
    local f = assert(io.open(path, "rb"))
    images[#images + 1] = f:read("*all")
    f:close()
  end
  if args[2] ~= "none" then for token in io.lines(args[2]) do tokens[#tokens + 1] = token end end
  part = args[5] or "file"
  run = args[3] .. "-" .. thread_no
  client = args[4] or "polite"
  if client:sub(1, 6) == "think:" then think_ms = tonumber(client:sub(7)); client = "think" end
  math.randomseed(os.time() * 100 + (thread_no or 0))
end

function response(status, headers, body)
  count(status)
  if client == "polite" and (status == 503 or status == 429) then
    waits = waits + 1
    retry_ms = 1000 * tonumber(headers["Retry-After"] or headers["retry-after"] or "1")
  end
end

function delay()
  if client == "think" then return math.floor(-think_ms * math.log(1 - math.random())) end
  if waits > 0 then
    waits = waits - 1
    return math.floor(retry_ms * (0.5 + math.random()))
  end
  return 0
end

function request()
  counter = counter + 1
  local image = images[(counter % #images) + 1]
  local body = "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"gender\"\r\n\r\nfemale\r\n" ..
      "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"hospital\"\r\n\r\nbench-" .. run .. "-" .. counter .. "\r\n" ..
      "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"" .. part .. "\"; filename=\"scan.jpg\"\r\n" ..
      "Content-Type: image/jpeg\r\n\r\n" .. image .. "\r\n--" .. boundary .. "--\r\n"
  local headers = {["Content-Type"] = "multipart/form-data; boundary=" .. boundary}
  if #tokens > 0 then headers["Authorization"] = "Bearer " .. tokens[(counter % #tokens) + 1] end
  return wrk.format("POST", "/MRI", headers, body)
end

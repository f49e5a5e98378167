-- wrk script: POST /MRI as multipart, a different image or hospital on every request (so no upload is a
-- duplicate), tokens of several users in turn. Arguments: <image list file> <token file> <run id> [delay ms]
dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "report.lua")
local images, tokens = {}, {}
local counter, run, delay_ms = 0, "run", 0
local boundary = "----mri-bench-boundary"

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

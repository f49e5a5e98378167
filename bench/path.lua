-- wrk script: GET of one fixed path (a page of GET /MRI with its filters or cursor), tokens of several users in turn.
-- Arguments: <path> <token file>
dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "report.lua")
local tokens = {}
local counter, path = 0, "/MRI?limit=50"

function init(args)
  path = args[1]
  for token in io.lines(args[2]) do tokens[#tokens + 1] = token end
end

function request()
  counter = counter + 1
  return wrk.format("GET", path, {["Authorization"] = "Bearer " .. tokens[(counter % #tokens) + 1]})
end

-- wrk script: GET /MRI/{id} over a list of stored ids (or, with "page" as the id file, one page of GET /MRI).
-- Arguments: <id list file | "page"> <token file | "none" (no Authorization header: the original's stand-in)>
dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "report.lua")
local ids, tokens = {}, {}
local counter, page = 0, false

function init(args)
  if args[1] == "page" then page = true else for id in io.lines(args[1]) do ids[#ids + 1] = id end end
  if args[2] ~= "none" then for token in io.lines(args[2]) do tokens[#tokens + 1] = token end end
end

function request()
  counter = counter + 1
  local path = page and "/MRI?limit=50" or ("/MRI/" .. ids[(counter % #ids) + 1])
  local headers = {}
  if #tokens > 0 then headers["Authorization"] = "Bearer " .. tokens[(counter % #tokens) + 1] end
  return wrk.format("GET", path, headers)
end

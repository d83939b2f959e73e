-- Prelude of every case of lua_library_cases.txt, run by redis-server (EVAL) and by respkit's
-- libraries alike: show() turns a case's pcall results into one deterministic string.
local null = cjson.null
local show
local function show_string(s)
  return '"' .. s:gsub('[^%w%p ]', function(c) return string.format('\\x%02x', c:byte()) end) .. '"'
end
show = function(v, depth)
  local t = type(v)
  if t == 'string' then return show_string(v) end
  if t == 'number' then return string.format('%.17g', v) end
  if t == 'boolean' or t == 'nil' then return tostring(v) end
  if v == null then return 'cjson.null' end
  if t ~= 'table' then return t end
  if depth > 40 then return '{...}' end
  local items = {}
  for k, x in pairs(v) do
    items[#items + 1] = '[' .. show(k, depth + 1) .. ']=' .. show(x, depth + 1)
  end
  table.sort(items)
  return '{' .. table.concat(items, ',') .. '}'
end
local function show_all(...)
  local out = {}
  for i = 1, select('#', ...) do out[i] = show((select(i, ...)), 0) end
  return table.concat(out, ' ')
end

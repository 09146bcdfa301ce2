"""The Lua side of the sandbox: globals, the ``redis`` table, error handler, protection.

The prelude runs once per runtime. It keeps the dangerous globals (``os``, ``io``,
``loadfile``, ``debug``, lupa's ``python``…) only as locals, builds the table of globals a
script may see (Redis' allow list), and gives scripts a read-only view of it: reading a
missing global raises "Script attempted to access nonexistent global variable", assigning
anything raises "Attempt to modify a readonly table", as Redis 7 does.
"""

from __future__ import annotations

PRELUDE = r"""
local py, libs = ...
local dbg = debug
local G_real = _G
local rawset, rawget, setmetatable, getmetatable = rawset, rawget, setmetatable, getmetatable
local type, tostring, error, select, unpack, pairs = type, tostring, error, select, unpack, pairs
local xpcall, pcall, loadstring, setfenv, getfenv = xpcall, pcall, loadstring, setfenv, getfenv

local function readonly_error()
  error('Attempt to modify a readonly table', 2)
end

local function readonly(t)
  return setmetatable({}, {__index = t, __newindex = readonly_error, __metatable = false})
end

local function missing_global(_, name)
  error("Script attempted to access nonexistent global variable '" .. tostring(name) .. "'", 2)
end

local function strict(t)
  return setmetatable(t, {__index = missing_global, __metatable = false})
end

local function lib_table(spec)
  local t = {}
  for name, value in pairs(spec) do t[name] = value end
  return t
end

-- math with Redis' deterministic random / randomseed
local math_t = {}
for k, v in pairs(math) do math_t[k] = v end
math_t.random = function(...)
  local n = select('#', ...)
  local r = py.random()
  if n == 0 then return r end
  local floor = math.floor
  if n == 1 then
    local u = ...
    if type(u) ~= 'number' and tonumber(u) == nil then
      error("bad argument #1 to 'random' (number expected, got " .. type(u) .. ")", 2)
    end
    u = floor(tonumber(u))
    if u < 1 then error("bad argument #1 to 'random' (interval is empty)", 2) end
    return floor(r * u) + 1
  elseif n == 2 then
    local l, u = ...
    l, u = floor(tonumber(l)), floor(tonumber(u))
    if l > u then error("bad argument #2 to 'random' (interval is empty)", 2) end
    return floor(r * (u - l + 1)) + l
  end
  error('wrong number of arguments', 2)
end
math_t.randomseed = function(seed)
  if type(seed) ~= 'number' and tonumber(seed) == nil then
    error("bad argument #1 to 'randomseed' (number expected, got " .. type(seed) .. ")", 2)
  end
  py.randomseed(tonumber(seed))
end

-- redis.call / redis.pcall are Python callables (C functions to Lua, so a tail call keeps
-- the script's frame for the error position). redis.call raises a Python exception that
-- the error handlers below unwrap.
local rcall, rpcall, unwrap = py.call, py.pcall, py.unwrap

-- The position luaL_where(L, 1) gives: the Lua frame that called the failing C function.
local function where(level)
  local i = dbg.getinfo(level, 'Sl')
  while i and i.what == 'C' do
    level = level + 1
    i = dbg.getinfo(level, 'Sl')
  end
  if i and (i.source == '@user_script' or i.source == '@user_function') and i.currentline > 0 then
    return i.short_src .. ':' .. i.currentline .. ': '
  end
  return ''
end

-- A Python exception raised into Lua → (kind, text): 'call' errors are Redis error texts,
-- 'lib' errors are luaL_error messages that still need their position.
local function from_python(err)
  local kind, text = unwrap(err)
  if kind == 'call' then return {err = text} end
  return text
end

local function push_error(msg)
  if msg:sub(1, 1) == '-' then
    local sp = msg:find(' ', 1, true)
    if sp then msg = msg:sub(2, sp - 1) .. ' ' .. msg:sub(sp + 1)
    else msg = 'ERR ' .. msg:sub(2) end
  else
    msg = 'ERR ' .. msg
  end
  return {err = (msg:gsub('[\r\n]+$', ''))}
end


local function error_reply(...)
  local e = ...
  if select('#', ...) ~= 1 or type(e) ~= 'string' then
    return push_error('wrong number or type of arguments')
  end
  if e:sub(1, 1) ~= '-' then e = '-' .. e end
  return push_error(e)
end

local function status_reply(...)
  local s = ...
  if select('#', ...) ~= 1 or type(s) ~= 'string' then
    return push_error('wrong number or type of arguments')
  end
  return {ok = s}
end

-- Python callables (C functions to Lua): their errors keep the script's line even when
-- they are tail-called.
local sha1hex, log, setresp, set_repl = py.sha1hex, py.log, py.setresp, py.set_repl

local acl_check_cmd = py.acl_check

local function add_log_levels(t)
  t.log = log
  t.LOG_DEBUG, t.LOG_VERBOSE, t.LOG_NOTICE, t.LOG_WARNING = 0, 1, 2, 3
  t.REDIS_VERSION, t.REDIS_VERSION_NUM = py.version, py.version_num
end

local redis_api = {
  call = rcall, pcall = rpcall, error_reply = error_reply, status_reply = status_reply,
  sha1hex = sha1hex, setresp = setresp, set_repl = set_repl, acl_check_cmd = acl_check_cmd,
  REPL_NONE = 0, REPL_AOF = 1, REPL_SLAVE = 2, REPL_REPLICA = 2, REPL_ALL = 3,
  breakpoint = function() return false end, debug = function() end,
}
add_log_levels(redis_api)

-- Redis' pcall: an error table with an 'err' string comes back as that string.
local function pcall_result(ok, ...)
  if ok then return ok, ... end
  local e = ...
  if type(e) == 'userdata' then e = from_python(e) end
  if type(e) == 'table' and type(rawget(e, 'err')) == 'string' then e = e.err end
  return false, e
end
local function redis_pcall(...)
  return pcall_result(pcall(...))
end

-- The globals a script may see (Redis' allow list).
local G = {}
local env = setmetatable({}, {__index = G, __newindex = readonly_error, __metatable = false})
local function safe_loadstring(code, name)
  local f, err = loadstring(code, name)
  if f then setfenv(f, env) end
  return f, err
end
local function safe_load(fn, name)
  local f, err = load(fn, name)
  if f then setfenv(f, env) end
  return f, err
end
local function safe_getfenv(f)
  local e = getfenv(f)
  if e == G_real then return env end
  return e
end
local builtins = {
  'xpcall', 'tostring', 'setmetatable', 'next', 'assert', 'tonumber', 'rawequal',
  'collectgarbage', 'getmetatable', 'rawset', 'type', 'select', 'unpack', 'gcinfo',
  'pairs', 'rawget', 'ipairs', '_VERSION', 'setfenv', 'error', 'newproxy',
}
for _, name in ipairs(builtins) do G[name] = G_real[name] end
-- Python callables are userdata to Lua; scripts see them as the functions they are.
local pyfunctions = {}
local function mark(t)
  for _, v in pairs(t) do
    if type(v) == 'userdata' and v ~= libs.cjson.null then pyfunctions[v] = true end
  end
end
mark(redis_api)
for _, lib in pairs(libs) do mark(lib) end
G.type = function(v)
  local t = type(v)
  if t == 'userdata' and pyfunctions[v] then return 'function' end
  return t
end
G.pcall = redis_pcall
G.loadstring = safe_loadstring
G.load = safe_load
G.getfenv = safe_getfenv
G.coroutine = readonly(coroutine)
G.string = readonly(string)
G.table = readonly(table)
G.math = readonly(math_t)
G.bit = readonly(lib_table(libs.bit))
G.cjson = readonly(lib_table(libs.cjson))
G.struct = readonly(lib_table(libs.struct))
G.cmsgpack = readonly(lib_table(libs.cmsgpack))
G.redis = readonly(redis_api)
G._G = env
strict(G)

-- Error handler: the error as a table with the user frame's source and line.
local function error_handler(err)
  local level, info = 2, nil
  while true do
    local i = dbg.getinfo(level, 'Sl')
    if not i then break end
    if i.what ~= 'C' and (i.source == '@user_script' or i.source == '@user_function') then
      info = i
      break
    end
    level = level + 1
  end
  if type(err) == 'userdata' then err = from_python(err) end
  if type(err) ~= 'table' then err = {err = 'ERR ' .. tostring(err)} end
  if info then
    rawset(err, 'source', info.source)
    rawset(err, 'line', info.currentline)
  end
  return err
end

local function compile(code, chunkname)
  local f, err = loadstring(code, chunkname)
  if not f then return nil, err end
  setfenv(f, env)
  return f
end

-- A script that runs past the time limit is stopped, so a runaway loop fails the test
-- that ran it instead of holding the server lock for ever (Redis would answer BUSY to
-- everyone else until SCRIPT KILL). Checked every 100,000 VM instructions.
local sethook = dbg.sethook
local function watchdog()
  if py.time_up() then
    error('Script killed: it ran longer than the script time limit '
      .. '(fakestash.engine.lua.runtime.SCRIPT_TIME_LIMIT)', 2)
  end
end

local function guarded(f)
  sethook(watchdog, '', 100000)
  local ok, res = xpcall(f, error_handler)
  sethook()
  return ok, res
end

local function run_eval(f, keys, argv)
  rawset(G, 'KEYS', keys)
  rawset(G, 'ARGV', argv)
  local ok, res = guarded(f)
  rawset(G, 'KEYS', nil)
  rawset(G, 'ARGV', nil)
  return ok, res
end

local function run_function(f, keys, argv)
  return guarded(function() return f(keys, argv) end)
end

-- Functions: library code runs with only a restricted 'redis' table.
local function load_library(code, register)
  local load_redis = {}
  add_log_levels(load_redis)
  load_redis.register_function = register
  load_redis = readonly(strict(load_redis))
  local load_G = strict({redis = load_redis})
  local mt = {__index = load_G, __newindex = readonly_error, __metatable = false}
  local lib_env = setmetatable({}, mt)
  local f, err = loadstring(code, '@user_function')
  if not f then return false, 'compile', err end
  setfenv(f, lib_env)
  local ok, res = xpcall(f, error_handler)
  mt.__index = G
  if not ok then return false, 'run', res end
  return true
end

return {
  compile = compile, run_eval = run_eval, run_function = run_function,
  load_library = load_library, error_handler = error_handler,
  is_function = function(v) return type(v) == 'function' end,
  where = function() return where(3) end,
}
"""

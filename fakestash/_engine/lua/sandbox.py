"""The Lua side of the sandbox: Redis' globals, read-only tables, error handling, limits.

The prelude runs once per runtime (compiled with the chunk name ``SANDBOX_CHUNK``). It keeps
the dangerous globals (``os``, ``io``, ``debug``, lupa's ``python``…) only as locals and
gives scripts Redis 7's guarantees, which Redis gets from a VM patch
(``lua_enablereadonlytable``) and fakestash emulates:

- Globals and library tables are read-only *proxies*: empty tables whose metatable reads
  through to the real table and refuses writes ("Attempt to modify a readonly table").
  Every function that could write through a proxy or reach what is behind it (``rawset``,
  ``rawget``, ``next``, ``pairs``, ``setmetatable``, ``getmetatable``, ``setfenv``,
  ``getfenv``, ``table.insert``, ``newproxy``…) is wrapped, and the string metatable is
  shown as a read-only table, so nothing one script does is visible to the next.
- No bytecode: ``loadstring``/``load`` read every chunk as text, as Redis' patched Lua
  does (a binary chunk is "unexpected symbol near 'char(27)'").
- A time limit no ``pcall``, coroutine, ``__gc`` or metamethod can dodge: a count hook
  on every thread (coroutines included) asks Python for the time at an adaptive interval,
  and every garbage-collection cycle checks too, so a loop of large C calls is stopped;
  once the limit is past, the hook fires on every instruction of script code, so an
  error caught by ``pcall`` is raised again at once (Redis 7 re-arms its hook the same
  way). ``__gc`` metamethods run in a hooked coroutine, and only inside the script that
  set them.
- Python objects (``redis.call`` and the libraries are Python callables) expose no
  attributes and no metatable, and Python exceptions raised into Lua are turned into
  Redis' error values before script code sees them.
"""

from __future__ import annotations

#: The chunk name of the prelude: frames with this source are the sandbox's own.
SANDBOX_CHUNK = "=fakestash"

PRELUDE = r"""
local py, libs = ...
local SANDBOX = '=fakestash'
local READONLY = 'Attempt to modify a readonly table'
local G_real = _G
local dbg = debug
local getinfo, sethook = dbg.getinfo, dbg.sethook
local dgetmetatable, dsetmetatable = dbg.getmetatable, dbg.setmetatable
local type, tostring, error, select, next, unpack = type, tostring, error, select, next, unpack
local rawget, rawset, setmetatable, getmetatable = rawget, rawset, setmetatable, getmetatable
local pcall, xpcall, loadstring, setfenv, getfenv = pcall, xpcall, loadstring, setfenv, getfenv
local newproxy, collectgarbage, tonumber = newproxy, collectgarbage, tonumber
local co_create, co_resume, co_wrap = coroutine.create, coroutine.resume, coroutine.wrap
local insert, concat, floor = table.insert, table.concat, math.floor
local sbyte, sgsub = string.byte, string.gsub

-- ==== values from Python ====================================================================

-- Python callables are userdata to Lua; scripts see them as the functions they are.
local pyfunctions = {}
local function mark(t)
  for _, v in pairs(t) do
    if type(v) == 'userdata' and v ~= libs.cjson.null then pyfunctions[v] = true end
  end
end

local function script_type(v)
  local t = type(v)
  if t == 'userdata' and pyfunctions[v] then return 'function' end
  return t
end

-- A Python exception raised into Lua -> the error value Redis would have: 'call' errors
-- are error tables, library errors are message strings, memory errors Lua's own text.
local unwrap = py.unwrap
local function from_python(err)
  if type(err) ~= 'userdata' or pyfunctions[err] then return err end
  local kind, text = unwrap(err)
  if kind == 'call' then return {err = text} end
  return text
end

-- ==== read-only tables ======================================================================

local readonly = setmetatable({}, {__mode = 'k'})  -- proxy -> the table it shows
local shown_metatable = {}                          -- proxy -> what getmetatable answers

local function readonly_error()
  error(READONLY, 2)
end

local function protect(real)
  local proxy = setmetatable({}, {__index = real, __newindex = readonly_error, __metatable = false})
  readonly[proxy] = real
  return proxy
end

local function copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end

-- ==== newproxy and the metatables of script userdata ========================================
-- A script's proxy has a metatable the script reaches through a facade: writes go to the
-- real metatable, except __gc, which is kept aside and run by gc_trampoline (a __gc
-- metamethod runs with hooks off, so it must not run script code directly).

local proxies = setmetatable({}, {__mode = 'k'})          -- script userdata -> metatable
local facades = setmetatable({}, {__mode = 'k'})          -- facade -> metatable
local facade_of = setmetatable({}, {__mode = 'kv'})       -- metatable -> facade
local GC, OWNER = {}, {}                                  -- private keys in a metatable

local run_id, running = 0, false
local gc_trampoline  -- defined with the watchdog below

local function facade_get(mt, k)
  if k == '__gc' then return rawget(mt, GC) end
  return rawget(mt, k)
end

local function facade_set(mt, k, v)
  if k == '__gc' then
    rawset(mt, GC, v)
    rawset(mt, OWNER, run_id)
    rawset(mt, '__gc', v ~= nil and gc_trampoline or nil)
  else
    rawset(mt, k, v)
  end
end

local function facade(mt)
  local f = facade_of[mt]
  if f then return f end
  f = setmetatable({}, {
    __index = function(_, k) return facade_get(mt, k) end,
    __newindex = function(_, k, v) facade_set(mt, k, v) end,
    __metatable = false,
  })
  facades[f] = mt
  facade_of[mt] = f
  return f
end

-- luaL_argerror as a C function raises it: named as its caller spelled it ('?' through
-- pcall), at the caller's line. `level` 1 is the wrapper that calls arg_error.
local function arg_error(level, n, message)
  local info = getinfo(level + 1, 'n')
  local name = info and info.name or '?'
  error('bad argument #' .. n .. " to '" .. name .. "' (" .. message .. ')', level + 2)
end

local function type_error(level, n, expected, ...)
  local got = select('#', ...) == 0 and 'no value' or script_type((...))
  arg_error(level + 1, n, expected .. ' expected, got ' .. got)
end

local function safe_newproxy(...)
  local arg = ...
  local u = newproxy(false)
  if arg == nil or arg == false then return u end
  local mt
  if arg == true then mt = {}
  else
    mt = proxies[arg]
    if not mt then arg_error(1, 1, 'boolean or proxy expected') end
  end
  dsetmetatable(u, mt)
  proxies[u] = mt
  return u
end

-- ==== wrapped builtins ======================================================================

-- The error of a C function a wrapper ran under pcall, raised as if the script had called
-- the C function itself (a wrapper must not show in error messages).
local function fail(level, e)
  e = from_python(e)
  if type(e) == 'string' then
    local info = getinfo(level + 1, 'n')
    local name = info and info.name or '?'
    e = sgsub(e, "^bad argument #(%d+) to '%?'", "bad argument #%1 to '" .. name .. "'")
  end
  error(e, level + 2)
end

local function raw_next(real, k)
  local key, v = next(real, k)
  while key == GC or key == OWNER do key, v = next(real, key) end
  if key == '__gc' then v = rawget(real, GC) end
  return key, v
end

local function safe_next(...)
  local t, k = ...
  if type(t) ~= 'table' then type_error(1, 1, 'table', ...) end
  local real = readonly[t] or facades[t]
  if real then return raw_next(real, k) end
  return next(t, k)
end

local function safe_pairs(...)
  local t = ...
  if type(t) ~= 'table' then type_error(1, 1, 'table', ...) end
  if readonly[t] or facades[t] then return safe_next, t, nil end
  return next, t, nil
end

local function safe_rawget(...)
  local t, k = ...
  if type(t) ~= 'table' then type_error(1, 1, 'table', ...) end
  local real = readonly[t]
  if real then return rawget(real, k) end
  real = facades[t]
  if real then return facade_get(real, k) end
  return rawget(t, k)
end

local function safe_rawset(...)
  local t, k, v = ...
  if readonly[t] then error(READONLY, 0) end
  local real = facades[t]
  if real then
    if k == nil then error('table index is nil', 0) end
    facade_set(real, k, v)
    return t
  end
  local ok, r = pcall(rawset, ...)
  if not ok then fail(1, r) end
  return r
end

local function safe_setmetatable(...)
  local t = ...
  if readonly[t] then error(READONLY, 0) end
  local real = facades[t]
  if real then
    local mt = select(2, ...)
    if mt ~= nil and type(mt) ~= 'table' then
      arg_error(1, 2, 'nil or table expected')
    end
    setmetatable(real, mt)
    return t
  end
  local ok, r = pcall(setmetatable, ...)
  if not ok then fail(1, r) end
  return r
end

local string_view  -- getmetatable('') as scripts see it; set once `string` is built

local function safe_getmetatable(...)
  local v = ...
  local t = type(v)
  if t == 'table' then
    if readonly[v] or facades[v] then return shown_metatable[v] end
    return getmetatable(v)
  elseif t == 'string' then
    return string_view
  elseif t == 'userdata' then
    local mt = proxies[v]
    if not mt then return nil end  -- Python objects and cjson.null show no metatable
    local protected = rawget(mt, '__metatable')
    if protected ~= nil then return protected end
    return facade(mt)
  end
  if select('#', ...) == 0 then arg_error(1, 1, 'value expected') end
  return nil
end

local function safe_insert(...)
  local t = ...
  if readonly[t] then error(READONLY, 0) end
  local ok, e
  if facades[t] then ok, e = pcall(insert, facades[t], select(2, ...))
  else ok, e = pcall(insert, ...) end
  if not ok then fail(1, e) end
end

-- ==== environments and loading ===============================================================

local G = {}  -- the globals scripts see, behind the read-only proxy `env`
local env = protect(G)
shown_metatable[env] = protect({})  -- Redis' _G has a (read-only, empty) metatable
local thread_env_changed = false

local function is_sandbox(f)
  local info = getinfo(f, 'S')
  return info.what == 'C' or info.source == SANDBOX
end

local function script_env(e)
  if e == G_real then return env end
  return e
end

local function level_of(n, ...)
  if n == nil then
    if select('#', ...) > 0 then type_error(2, 1, 'number', ...) end
    return 1
  end
  local level = tonumber(n)
  if level == nil then type_error(2, 1, 'number', ...) end
  level = floor(level)
  if level < 0 then arg_error(2, 1, 'level must be non-negative') end
  return level
end

local function safe_getfenv(...)
  local f = ...
  if type(f) == 'function' then return script_env(getfenv(f)) end
  if pyfunctions[f] then return env end
  local level = level_of(f, ...)
  if level == 0 then return script_env(getfenv(0)) end
  local info = getinfo(level + 1, 'f')
  if not info then arg_error(1, 1, 'invalid level') end
  if not info.func then
    error('no function environment for tail call at level ' .. level, 2)
  end
  return script_env(getfenv(info.func))
end

local function safe_setfenv(...)
  local f, t = ...
  if type(t) ~= 'table' then type_error(1, 2, 'table', select(2, ...)) end
  if pyfunctions[f] then error("'setfenv' cannot change environment of given object", 2) end
  if type(f) ~= 'function' then
    local level = level_of(f, ...)
    if level == 0 then
      setfenv(0, t)  -- this thread; undone when the script ends
      thread_env_changed = true
      return
    end
    local info = getinfo(level + 1, 'f')
    if not info then arg_error(1, 1, 'invalid level') end
    if not info.func then
      error('no function environment for tail call at level ' .. level, 2)
    end
    f = info.func
  end
  if is_sandbox(f) then error("'setfenv' cannot change environment of given object", 2) end
  return setfenv(f, t)
end

-- Redis' Lua has no binary chunks: text mode reads ESC as a symbol, so a chunk starting
-- with it fails exactly as in Redis ("unexpected symbol near 'char(27)'").
local function load_text(code, name)
  if name == SANDBOX then name = name .. ' ' end
  local f, err
  if sbyte(code, 1) == 27 then
    f, err = loadstring(' ' .. code, name)
  else
    f, err = loadstring(code, name)
  end
  if f then setfenv(f, script_env(getfenv(0))) end
  return f, err
end

local function safe_loadstring(...)
  local code, name = ...
  local t = type(code)
  if t == 'number' then code = tostring(code)
  elseif t ~= 'string' then type_error(1, 1, 'string', ...) end
  if name ~= nil and type(name) ~= 'string' then
    if type(name) ~= 'number' then type_error(1, 2, 'string', select(2, ...)) end
    name = tostring(name)
  end
  return load_text(code, name or code)
end

local function safe_load(...)
  local reader, name = ...
  if type(reader) ~= 'function' then type_error(1, 1, 'function', ...) end
  local parts, n = {}, 0
  while true do
    local ok, piece = pcall(reader)
    if not ok then return nil, from_python(piece) end
    if piece == nil or piece == '' then break end
    if type(piece) ~= 'string' and type(piece) ~= 'number' then
      return nil, 'reader function must return a string'
    end
    n = n + 1
    parts[n] = piece
    if n == 1 and sbyte(piece, 1) == 27 then break end  -- no need to read on
  end
  return load_text(concat(parts), name or '=(load)')
end

-- ==== pcall, xpcall, coroutines ===============================================================

-- Redis' pcall: an error table with an 'err' string comes back as that string.
local function pcall_result(ok, ...)
  if ok then return ok, ... end
  local e = from_python((...))
  if type(e) == 'table' then
    local m = rawget(e, 'err')
    if type(m) == 'string' or type(m) == 'number' then e = m end
  end
  return false, e
end

local function safe_pcall(...)
  -- Redis' pcall() with no argument calls its own `true` placeholder
  if select('#', ...) == 0 then return false, 'attempt to call a boolean value' end
  return pcall_result(pcall(...))
end

local watchdog, count = nil, 1000
local kill_text = nil  -- set once the running script is past its time limit

local function hook_thread(co)
  if co then sethook(co, watchdog, '', kill_text and 1 or count)
  else sethook(watchdog, '', kill_text and 1 or count) end
end

local function lua_function(f)
  if type(f) ~= 'function' or getinfo(f, 'S').what == 'C' then
    arg_error(2, 1, 'Lua function expected')
  end
end

local function safe_create(...)
  local f = ...
  lua_function(f)
  local co = co_create(f)
  if running then hook_thread(co) end
  return co
end

local function safe_wrap(...)
  local f = ...
  lua_function(f)
  return co_wrap(function(...)
    if running then hook_thread() end
    return f(...)
  end)
end

-- A coroutine's error comes back as it is (Redis does not wrap coroutine.resume), only a
-- Python exception becomes Redis' error value; a coroutine that ran past the time limit
-- leaves its resumer to be stopped at its next instruction.
local function resume_result(ok, ...)
  if kill_text then sethook(watchdog, '', 1) end
  if ok then return ok, ... end
  return false, from_python((...))
end

local function safe_resume(...)
  return resume_result(co_resume(...))
end

-- An xpcall handler is script code: it runs in a hooked coroutine, because Lua 5.1 runs
-- the handler of an error raised inside a hook (the watchdog's) with hooks off. Once the
-- script is past its limit, the handler does not run at all. An error in the handler
-- calls the handler again, as in Lua, until "error in error handling".
local function handler_result(ok, ...)
  if kill_text then sethook(watchdog, '', 1) end
  if ok then return ... end
  error((...), 0)
end

local function call_handler(handler, e)
  if kill_text then return e end
  local co = co_create(function(...) return handler(...) end)
  hook_thread(co)
  return handler_result(co_resume(co, e))
end

local function safe_xpcall(...)
  local f, handler = ...
  if select('#', ...) < 2 then arg_error(1, 2, 'value expected') end
  return xpcall(f, function(e) return call_handler(handler, from_python(e)) end)
end

-- ==== the time limit ==========================================================================

local time_check, expired = py.time_check, py.expired
local MEMORY_ERROR = 'not enough memory'
local memory_cap_kb = py.memory_cap_kb

-- The end of a script past a limit: Redis' script error for the time limit, Lua's own
-- memory error for the memory cap.
local function ending()
  if kill_text == MEMORY_ERROR then return MEMORY_ERROR end
  return {err = kill_text}
end

-- Over the memory cap after a full collection? (The runtime's hard limit is higher: the
-- sandbox and lupa need room to finish their work, so the cap is enforced from here.)
local function over_memory_cap()
  if collectgarbage('count') <= memory_cap_kb then return false end
  collectgarbage('collect')
  return collectgarbage('count') > memory_cap_kb
end

-- The count hook of every script thread. Python answers the next interval (in
-- instructions, so that checks come every couple of milliseconds) or, past the limit,
-- the error text; from then on the hook fires on every instruction and raises in any
-- frame that is not the sandbox's, so no pcall can swallow the end of the script.
watchdog = function()
  if not kill_text then
    if running and over_memory_cap() then
      kill_text = MEMORY_ERROR
    else
      local r = time_check(count)
      if type(r) == 'number' then
        if r ~= count then
          count = r
          sethook(watchdog, '', r)
        end
        return
      end
      kill_text = r
    end
  end
  sethook(watchdog, '', 1)
  local info = getinfo(2, 'S')
  if info and info.source ~= SANDBOX then error(ending(), 0) end
end

local function arm(text)
  kill_text = text
  sethook(watchdog, '', 1)
end

-- Every garbage-collection cycle (a sentinel's __gc) checks the time as well: a loop of
-- large C calls (string.rep, table.concat...) runs few instructions but allocates a lot.
-- It also asks for a check within a few instructions (the memory check collects, which
-- a __gc may not), in case the next calls are slow or memory is past the cap.
local sentinel = {}
local function new_sentinel() dsetmetatable(newproxy(false), sentinel) end
sentinel.__gc = function()
  if running and not kill_text then
    local text = expired()
    if text then arm(text)
    else
      count = collectgarbage('count') > memory_cap_kb and 1 or 10
      sethook(watchdog, '', count)
    end
  end
  new_sentinel()
end
new_sentinel()

-- A script's __gc runs in a hooked coroutine (GC metamethods run with hooks off), only
-- while the script that set it runs; its errors are dropped.
gc_trampoline = function(u)
  local mt = dgetmetatable(u)
  local f = mt and rawget(mt, GC)
  if not running or f == nil or rawget(mt, OWNER) ~= run_id then return end
  local ok, co = pcall(co_create, f)
  if not ok then return end
  hook_thread(co)
  co_resume(co, u)
  if kill_text then sethook(watchdog, '', 1) end
end

-- ==== math with Redis' deterministic random / randomseed ======================================

local math_t = copy(math)
math_t.random = function(...)
  local n = select('#', ...)
  local r = py.random()
  if n == 0 then return r end
  if n == 1 then
    local u = ...
    if type(u) ~= 'number' and tonumber(u) == nil then type_error(1, 1, 'number', u) end
    u = floor(tonumber(u))
    if u < 1 then arg_error(1, 1, 'interval is empty') end
    return floor(r * u) + 1
  elseif n == 2 then
    local l, u = ...
    l, u = floor(tonumber(l)), floor(tonumber(u))
    if l > u then arg_error(1, 2, 'interval is empty') end
    return floor(r * (u - l + 1)) + l
  end
  error('wrong number of arguments', 2)
end
math_t.randomseed = function(seed)
  if type(seed) ~= 'number' and tonumber(seed) == nil then type_error(1, 1, 'number', seed) end
  py.randomseed(tonumber(seed))
end

-- ==== the redis table ==========================================================================

-- redis.call / redis.pcall are Python callables (C functions to Lua, so a tail call keeps
-- the script's frame for the error position). redis.call raises a Python exception that
-- the error handlers unwrap.

-- The position luaL_where(L, 1) gives: the Lua frame that called the failing C function.
local function where(level)
  local i = getinfo(level, 'Sl')
  while i and i.what == 'C' do
    level = level + 1
    i = getinfo(level, 'Sl')
  end
  if i and (i.source == '@user_script' or i.source == '@user_function') and i.currentline > 0 then
    return i.short_src .. ':' .. i.currentline .. ': '
  end
  return ''
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

local function add_log_levels(t)
  t.log = py.log
  t.LOG_DEBUG, t.LOG_VERBOSE, t.LOG_NOTICE, t.LOG_WARNING = 0, 1, 2, 3
  t.REDIS_VERSION, t.REDIS_VERSION_NUM = py.version, py.version_num
end

local redis_api = {
  call = py.call, pcall = py.pcall, error_reply = error_reply, status_reply = status_reply,
  sha1hex = py.sha1hex, setresp = py.setresp, set_repl = py.set_repl,
  acl_check_cmd = py.acl_check,
  REPL_NONE = 0, REPL_AOF = 1, REPL_SLAVE = 2, REPL_REPLICA = 2, REPL_ALL = 3,
  breakpoint = function() return false end, debug = function() end,
}
add_log_levels(redis_api)
mark(redis_api)
for _, lib in pairs(libs) do mark(lib) end

-- ==== the globals (Redis 7's allow list) =======================================================

local builtins = {
  'tostring', 'assert', 'tonumber', 'rawequal', 'select', 'unpack', 'gcinfo',
  'ipairs', '_VERSION', 'error',
}
for _, name in ipairs(builtins) do G[name] = G_real[name] end
G.type = script_type
G.pcall = safe_pcall
G.xpcall = safe_xpcall
G.next = safe_next
G.pairs = safe_pairs
G.rawget = safe_rawget
G.rawset = safe_rawset
G.setmetatable = safe_setmetatable
G.getmetatable = safe_getmetatable
G.getfenv = safe_getfenv
G.setfenv = safe_setfenv
G.loadstring = safe_loadstring
G.load = safe_load
G.newproxy = safe_newproxy

local gc_tuned = false
local gc_options = {stop = true, setpause = true, setstepmul = true}
G.collectgarbage = function(...)
  if gc_options[(...)] then gc_tuned = true end  -- undone when the script ends
  local ok, r = pcall(collectgarbage, ...)
  if not ok then fail(1, r) end
  return r
end

local coroutine_t = copy(coroutine)
coroutine_t.create, coroutine_t.wrap, coroutine_t.resume = safe_create, safe_wrap, safe_resume
local table_t = copy(table)
table_t.insert = safe_insert

G.coroutine = protect(coroutine_t)
G.string = protect(copy(string))
G.table = protect(table_t)
G.math = protect(math_t)
G.bit = protect(copy(libs.bit))
G.cjson = protect(copy(libs.cjson))
G.struct = protect(copy(libs.struct))
G.cmsgpack = protect(copy(libs.cmsgpack))
G.redis = protect(redis_api)
G._G = env
local strict = {__index = function(_, name)
  error("Script attempted to access nonexistent global variable '" .. tostring(name) .. "'", 2)
end, __metatable = false}
setmetatable(G, strict)

-- The string metatable: strings index the real string table; scripts see a read-only
-- table whose __index is their `string`.
string_view = protect({__index = G.string})

-- ==== running ==================================================================================

-- Error handler: the error as a table with the user frame's source and line. Always a
-- fresh table (the script's own error value may have metatables or be read-only).
local function error_handler(err)
  local level, info = 2, nil
  while true do
    local i = getinfo(level, 'Sl')
    if not i then break end
    if i.what ~= 'C' and (i.source == '@user_script' or i.source == '@user_function') then
      info = i
      break
    end
    level = level + 1
  end
  err = from_python(err)
  if err == 'not enough memory' then return err end
  if type(err) == 'table' then
    local m = rawget(err, 'err')
    err = {err = (type(m) == 'string' or type(m) == 'number') and m or nil}
  else
    err = {err = 'ERR ' .. tostring(err)}
  end
  if info then
    err.source = info.source
    err.line = info.currentline
  end
  return err
end

local function compile(code, chunkname)
  local f, err = load_text(code, chunkname)
  if not f then return nil, err end
  return f
end

local gc_collect_kb = py.gc_collect_kb

-- The main thread's hook stays installed between runs (a run costs no sethook); only a
-- killed run's every-instruction hook is put back to normal when it ends.
sethook(watchdog, '', count)

local function begin()
  run_id = run_id + 1
  running, kill_text = true, nil
end

-- Undo what a script may have changed in the runtime, then collect if memory is high
-- (a script that failed for lack of memory leaves its garbage behind).
local function finish()
  running = false
  if kill_text then
    kill_text = nil
    sethook(watchdog, '', count)
  end
  if thread_env_changed then
    setfenv(0, G_real)
    thread_env_changed = false
  end
  if gc_tuned then
    collectgarbage('restart')
    collectgarbage('setpause', 200)
    collectgarbage('setstepmul', 200)
    gc_tuned = false
  end
  if collectgarbage('count') > gc_collect_kb then collectgarbage('collect') end
end

-- A script past its limit fails even if it got to its end first (the limit passed in a
-- __gc or a coroutine just before it returned).
local function ended(ok, res)
  if ok and kill_text then return false, ending() end
  return ok, res
end

local function run_eval(f, keys, argv)
  G.KEYS, G.ARGV = keys, argv  -- (raw: G has no __newindex)
  setfenv(f, env)  -- a fresh start: setfenv(1, t) in the last run is forgotten
  run_id, running, kill_text = run_id + 1, true, nil
  local ok, res = xpcall(f, error_handler)
  if kill_text or thread_env_changed or gc_tuned or collectgarbage('count') > gc_collect_kb then
    ok, res = ended(ok, res)
    finish()
  else
    running = false
  end
  G.KEYS, G.ARGV = nil, nil
  return ok, res
end

local function run_function(f, keys, argv)
  begin()
  local ok, res = ended(xpcall(function() return f(keys, argv) end, error_handler))
  finish()
  return ok, res
end

-- Functions: library code runs with only a restricted 'redis' table, under the load time
-- limit; the callbacks it registers then see every global.
local function load_library(code, register)
  local load_redis = {}
  add_log_levels(load_redis)
  load_redis.register_function = register
  pyfunctions[register] = true
  load_redis = protect(setmetatable(load_redis, strict))
  local load_G = setmetatable({redis = load_redis}, strict)
  local lib_env = protect(load_G)
  local f, err = compile(code, '@user_function')
  if not f then return false, 'compile', err end
  setfenv(f, lib_env)
  begin()
  local ok, res = ended(xpcall(f, error_handler))
  finish()
  pyfunctions[register] = nil
  dgetmetatable(lib_env).__index = G
  readonly[lib_env] = G
  if not ok then return false, 'run', res end
  return true
end

-- {double = -0}, cjson.encode({-0}): Python sees Lua's -0 as 0; this tells them apart.
local function negative_zero(t, k)
  local v = rawget(t, k)
  return v == 0 and 1 / v < 0
end

return {
  compile = compile, run_eval = run_eval, run_function = run_function,
  load_library = load_library, arm = arm, negative_zero = negative_zero,
  over_memory_cap = over_memory_cap,
  is_function = function(v) return type(v) == 'function' end,
  -- for a failing library function: the script's position, and the name it was called by
  where = function()
    local called = getinfo(2, 'n')
    return where(3), called and called.name or '?'
  end,
}
"""

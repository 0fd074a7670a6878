// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The Lua scripts the gateways run in Redis (SCRIPT LOAD at connect, then
 * EVALSHA). Each is one atomic step on the server's clock (TIME), so no
 * gateway's clock decides an end time or a budget. Why these structures:
 * docs/INTERNALS.md, "Fleet mode".
 *
 * Keys, under the configured prefix P:
 *   P bans       hash: CIDR -> "UNTIL SINCE OFFENCES REASON ORIGIN [NOTE]"
 *                (ms of the server's clock), kept until UNTIL + memory
 *   P ban-ends   sorted set: CIDR by UNTIL + memory, to prune the hash
 *   P events     channel: "ban CIDR RECORD", "del CIDR ORIGIN", "hb NAME"
 *   P fb:KIND:CIDR  hash: a prefix's fleet budget (t: GCRA time in us,
 *                w: window start ms, h: hits in it, v: violations in it),
 *                expiring when idle
 */
#include "fleet_int.h"

/*
 * A ban record and its announcement; and pruning what is past memory, a
 * few at a time. Shared by put and charge.
 */
#define SG_LUA_COMMON                                                         \
	"local p = ARGV[1]\n"                                                 \
	"local bans, ends, chan = p .. 'bans', p .. 'ban-ends', "             \
	"p .. 'events'\n"                                                     \
	"local t = redis.call('TIME')\n"                                      \
	"local now_us = tonumber(t[1]) * 1000000 + tonumber(t[2])\n"          \
	"local now = math.floor(now_us / 1000)\n"                             \
	"local function num(x) return string.format('%.0f', x) end\n"         \
	"local function store(cidr, value, untl, memory)\n"                   \
	"  redis.call('HSET', bans, cidr, value)\n"                           \
	"  redis.call('ZADD', ends, num(untl + memory), cidr)\n"              \
	"  redis.call('PUBLISH', chan, 'ban ' .. cidr .. ' ' .. value)\n"     \
	"end\n"                                                               \
	"local function prune()\n"                                            \
	"  local gone = redis.call('ZRANGEBYSCORE', ends, '-inf', num(now), " \
	"'LIMIT', 0, 64)\n"                                                   \
	"  for _, c in ipairs(gone) do\n"                                     \
	"    redis.call('HDEL', bans, c)\n"                                   \
	"    redis.call('ZREM', ends, c)\n"                                   \
	"  end\n"                                                             \
	"end\n"

/*
 * put: ARGV = P, memory ms, then 8 a ban: CIDR, UNTIL, SINCE, OFFENCES,
 * REASON, ORIGIN, NOTE, MODE. MODE x (a ban the program made) only ever
 * lengthens what Redis has; r (a manual one) replaces it. Announces what
 * changed; returns how many.
 */
static const char put_script[] = SG_LUA_COMMON
	"local memory, sent = tonumber(ARGV[2]), 0\n"
	"for i = 3, #ARGV - 7, 8 do\n"
	"  local cidr, untl = ARGV[i], tonumber(ARGV[i + 1])\n"
	"  if untl and untl > now then\n"
	"    local value = table.concat({ ARGV[i + 1], ARGV[i + 2], "
	"ARGV[i + 3], ARGV[i + 4], ARGV[i + 5] }, ' ')\n"
	"    if ARGV[i + 6] ~= '' then value = value .. ' ' .. ARGV[i + 6] "
	"end\n"
	"    local old, keep = redis.call('HGET', bans, cidr), false\n"
	"    if old and ARGV[i + 7] == 'r' then keep = old == value\n"
	"    elseif old then\n"
	"      local ou = tonumber(string.match(old, '^(%d+)'))\n"
	"      keep = ou ~= nil and ou >= untl\n"
	"    end\n"
	"    if not keep then store(cidr, value, untl, memory); "
	"sent = sent + 1 end\n"
	"  end\n"
	"end\n"
	"prune()\n"
	"return sent\n";

/* del: ARGV = P, then 2 an unban: CIDR, ORIGIN. Returns how many. */
static const char del_script[] =
	"local p = ARGV[1]\n"
	"local bans, ends, chan = p .. 'bans', p .. 'ban-ends', "
	"p .. 'events'\n"
	"local n = 0\n"
	"for i = 2, #ARGV - 1, 2 do\n"
	"  redis.call('HDEL', bans, ARGV[i])\n"
	"  redis.call('ZREM', ends, ARGV[i])\n"
	"  redis.call('PUBLISH', chan, 'del ' .. ARGV[i] .. ' ' .. "
	"ARGV[i + 1])\n"
	"  n = n + 1\n"
	"end\n"
	"return n\n";

/*
 * charge: ARGV = P, ORIGIN, window ms, after, min_excess (milli), ban time
 * ms, ban max ms, memory ms, enforce (1/0), then 8 a prefix: CIDR, KIND,
 * HITS, SEEN, AGE ms, interval us, burst x interval us, budget name.
 *
 * Each prefix's HITS (what one gateway let through in the AGE ms since
 * its last report) go through one GCRA shared by the fleet, as the XDP
 * program charges one frame: a hit fits while max(TAT, now - AGE) +
 * interval - now <= limit. Taking them as spread over AGE, not all come
 * now, counts the tokens that came back meanwhile: a prefix's first
 * report carries all its window so far.
 * SEEN is what came to that gateway, its drops included: as if the fleet
 * were one gateway, every frame the fleet's budget did not admit (a
 * local drop or a hit that does not fit) is a violation, and the rate is
 * what came. `after` violations within the window at min_excess times
 * the rate ban the prefix, for the ban time doubled per offence
 * remembered, everywhere (announced as any ban). Returns
 * CIDR, UNTIL, OFFENCES, observed and limit rate (per 1000 s) of each
 * ban made (or, with enforce 0, that would be).
 */
static const char charge_script[] = SG_LUA_COMMON
	"local origin, window = ARGV[2], tonumber(ARGV[3])\n"
	"local after, excess = tonumber(ARGV[4]), tonumber(ARGV[5])\n"
	"local btime, bmax = tonumber(ARGV[6]), tonumber(ARGV[7])\n"
	"local memory, enforce = tonumber(ARGV[8]), ARGV[9] == '1'\n"
	"local made = {}\n"
	"local function ban(cidr, observed, limit, budget)\n"
	"  local old, off = redis.call('HGET', bans, cidr), 1\n"
	"  if old then\n"
	"    local ou, oo = string.match(old, '^(%d+) %d+ (%d+)')\n"
	"    ou, oo = tonumber(ou), tonumber(oo)\n"
	"    if ou and ou > now then return end\n"
	"    if ou and oo and ou + memory > now then off = oo + 1 end\n"
	"  end\n"
	"  local dur = btime\n"
	"  for _ = 2, math.min(off, 40) do dur = math.min(dur * 2, bmax) end\n"
	"  local untl = now + math.min(dur, bmax)\n"
	"  local value = table.concat({ num(untl), num(now), off, 'fleet', "
	"origin, string.format('%s %.3f/s over the fleet, limit %.3f/s', "
	"budget, observed, limit) }, ' ')\n"
	"  if enforce then store(cidr, value, untl, memory) end\n"
	"  for _, x in ipairs({ cidr, num(untl), off, num(observed * 1000), "
	"num(limit * 1000) }) do made[#made + 1] = x end\n"
	"end\n"
	"for i = 10, #ARGV - 7, 8 do\n"
	"  local cidr, hits = ARGV[i], tonumber(ARGV[i + 2])\n"
	"  local seen = math.max(tonumber(ARGV[i + 3]), hits)\n"
	"  local from = now_us - tonumber(ARGV[i + 4]) * 1000\n"
	"  local iv, lim = tonumber(ARGV[i + 5]), tonumber(ARGV[i + 6])\n"
	"  local key = p .. 'fb:' .. ARGV[i + 1] .. ':' .. cidr\n"
	"  local s = redis.call('HMGET', key, 't', 'w', 'h', 'v')\n"
	"  local tat, ws = tonumber(s[1]) or 0, tonumber(s[2]) or 0\n"
	"  local wh, v = tonumber(s[3]) or 0, tonumber(s[4]) or 0\n"
	"  if now - ws > window then\n"
	"    ws, wh, v = math.floor(from / 1000), 0, 0\n"
	"  end\n"
	"  wh = wh + seen\n"
	"  if tat < from then tat = from end\n"
	"  local room = math.floor((now_us + lim - tat) / iv)\n"
	"  local admit = math.max(0, math.min(hits, room))\n"
	"  tat = tat + admit * iv\n"
	"  v = v + seen - admit\n"
	"  if after > 0 and v >= after then\n"
	"    local observed = wh * 1000 / math.max(now - ws, 1000)\n"
	"    local limit = 1000000 / iv\n"
	"    if excess <= 1000 or observed * 1000 >= limit * excess then\n"
	"      ban(cidr, observed, limit, ARGV[i + 7])\n"
	"      if enforce then v = 0 else v = -1e15 end\n"
	"    end\n"
	"  end\n"
	"  redis.call('HSET', key, 't', num(tat), 'w', num(ws), 'h', num(wh), "
	"'v', num(v))\n"
	"  redis.call('PEXPIRE', key, num(window + lim / 1000 + 1000))\n"
	"end\n"
	"prune()\n"
	"return made\n";

const char *const sg_fleet_scripts[SG_SCRIPT_COUNT] = {
	[SG_SCRIPT_PUT] = put_script,
	[SG_SCRIPT_DEL] = del_script,
	[SG_SCRIPT_CHARGE] = charge_script,
};

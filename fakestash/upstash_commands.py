"""Every command Upstash lists as supported, by group, and how REST clients reach it.

Sources: the wire spec §7 (Upstash's compatibility page at Redis 8.2, its changelog and
command pages) and the per-command pages under upstash/docs ``redis/commands/<group>/``.
Names are lower case; subcommands are ``parent|sub`` as in the command table.
``rest`` says how a REST client reaches the command:

- ``"yes"``: an ordinary command (``POST /``, path form, pipeline, multi-exec);
- ``"path"``: only through its own REST path (SSE ``/subscribe``, ``/monitor``; MULTI/EXEC
  are ``/multi-exec``); as a command it is refused "not allowed in REST";
- ``"tcp"``: supported by Upstash over TCP only (blocking commands, connection state).

``tools/gen_coverage.py`` turns this, the command table and ``fakestash.deviations`` into
``docs/coverage.md``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UpstashCommand:
    name: str
    group: str
    rest: str = "yes"
    note: str = ""


def _group(group: str, names: str, rest: str = "yes", note: str = "") -> list[UpstashCommand]:
    return [UpstashCommand(n, group, rest, note) for n in names.split()]


_NEWER = "listed in Upstash's docs after the 8.2 compatibility table"

UPSTASH_COMMANDS: tuple[UpstashCommand, ...] = tuple(
    _group("string", "append decr decrby delex digest get getdel getex getrange getset incr "
           "incrby incrbyfloat mget mset msetnx psetex set setex setnx setrange strlen")
    + _group("string", "msetex", note=_NEWER)
    + _group("bitmap", "bitcount bitfield bitfield_ro bitop bitpos getbit setbit")
    + _group("hash", "hdel hexists hexpire hexpireat hexpiretime hget hgetall hgetdel hgetex "
             "hincrby hincrbyfloat hkeys hlen hmget hmset hpersist hpexpire hpexpireat "
             "hpexpiretime hpttl hrandfield hscan hset hsetex hsetnx hstrlen httl hvals")
    + _group("list", "lindex linsert llen lmove lmpop lpop lpos lpush lpushx lrange lrem lset "
             "ltrim rpop rpoplpush rpush rpushx")
    + _group("list", "blmove blmpop blpop brpop brpoplpush", rest="tcp",
             note="blocking: not over REST")
    + _group("set", "sadd scard sdiff sdiffstore sinter sintercard sinterstore sismember "
             "smembers smismember smove spop srandmember srem sscan sunion sunionstore")
    + _group("set", "sdiffcard sunioncard", note=_NEWER)
    + _group("sorted-set", "zadd zcard zcount zdiff zdiffstore zincrby zinter zintercard "
             "zinterstore zlexcount zmpop zmscore zpopmax zpopmin zrandmember zrange "
             "zrangebylex zrangebyscore zrangestore zrank zrem zremrangebylex "
             "zremrangebyrank zremrangebyscore zrevrange zrevrangebylex zrevrangebyscore "
             "zrevrank zscan zscore zunion zunionstore")
    + _group("sorted-set", "bzmpop bzpopmax bzpopmin", rest="tcp", note="blocking: not over REST")
    + _group("geo", "geoadd geodist geohash geopos georadius georadius_ro georadiusbymember "
             "georadiusbymember_ro geosearch geosearchstore")
    + _group("hyperloglog", "pfadd pfcount pfmerge")
    + _group("generic", "copy del dump exists expire expireat expiretime keys persist pexpire "
             "pexpireat pexpiretime pttl randomkey rename renamenx restore scan touch ttl "
             "type unlink wait waitaof memory|usage")
    + _group("scripting", "eval eval_ro evalsha evalsha_ro script|exists script|flush "
             "script|kill script|load")
    + _group("functions", "fcall fcall_ro function|delete function|flush function|kill "
             "function|list function|load function|stats")
    + _group("pubsub", "publish pubsub|channels pubsub|numpat pubsub|numsub")
    + _group("pubsub", "subscribe psubscribe", rest="path", note="SSE: /subscribe, /psubscribe")
    + _group("pubsub", "unsubscribe punsubscribe", rest="tcp")
    + _group("transactions", "multi exec", rest="path", note="REST: /multi-exec")
    + _group("transactions", "discard watch unwatch", rest="tcp")
    + _group("connection", "echo ping")
    + _group("connection", "select", note="index 0 only")
    + _group("connection", "auth hello quit reset client", rest="tcp")
    + _group("server", "acl|cat acl|deluser acl|genpass acl|gentoken acl|getuser acl|list "
             "acl|load acl|log acl|resttoken acl|save acl|setuser acl|users acl|whoami "
             "command config|get config|set dbsize flushall flushdb info time")
    + _group("server", "monitor", rest="path", note="SSE: /monitor")
    + _group("json", "json.arrappend json.arrindex json.arrinsert json.arrlen json.arrpop "
             "json.arrtrim json.clear json.debug json.del json.forget json.get json.merge "
             "json.mget json.mset json.numincrby json.nummultby json.objkeys json.objlen "
             "json.resp json.set json.strappend json.strlen json.toggle json.type")
    + _group("stream", "xack xackdel xadd xautoclaim xclaim xdel xdelex xgroup|create "
             "xgroup|createconsumer xgroup|delconsumer xgroup|destroy xgroup|setid "
             "xinfo|consumers xinfo|groups xinfo|stream xlen xpending xrange xread "
             "xreadgroup xrevrange xsetid xtrim",
             note="XREAD/XREADGROUP without BLOCK over REST")
    + _group("search", "search.create search.query search.count search.aggregate "
             "search.waitindexing search.describe search.drop search.aliasadd "
             "search.aliasdel search.listaliases")
)  # fmt: skip

BY_NAME = {command.name: command for command in UPSTASH_COMMANDS}

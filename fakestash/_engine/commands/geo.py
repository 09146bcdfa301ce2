"""Geo commands (GEOADD … GEOSEARCHSTORE) on sorted sets, as redis/src/geo.c runs them.

A geo set is a plain sorted set (``SortedSet``) whose scores are 52-bit geohashes
(``fakestash/_engine/geohash.py``): TYPE says ``zset`` and every Z command works on it.
Searches walk the nine geohash boxes in Redis' order (centre, N, S, E, W, NE, NW, SE, SW),
each a score range of the sorted set (O(log n + m)), so the order without ASC/DESC, ANY's
early stop and any box walked twice are as in Redis. Sorting copies
glibc's stable merge sort (``qsort``) and Redis' partial quicksort (``pqsort``, used when
COUNT cuts the result), so ties come out as Redis gives them.

Numbers are rendered as Redis 8.2 renders them: distances with ``fixedpoint_d2string``
(four decimals), coordinates as doubles in their shortest form (Redis 7.x: "human" long
doubles, ``%.17Lf`` trimmed). Redis 7.0 differs in the last digit of rare distances; see
``geohash.redis70``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Sequence

from fakestash._engine import geohash
from fakestash._engine.args import parse_int
from fakestash._engine.commands.zsets import _zadd, parse_double
from fakestash._engine.family import Family
from fakestash._engine.geohash import BOX, CIRCLE, GEO_LAT_MAX, GEO_LAT_MIN, Shape
from fakestash._engine.keyspec import key_after, key_at
from fakestash._engine.notify import GENERIC, ZSET, emit
from fakestash._engine.replies import Reply
from fakestash._engine.values.zset import ScoreRange, SortedSet
from fakestash._errors import SYNTAX, CommandError

if TYPE_CHECKING:
    from fakestash._engine.database import Database

FAMILY = Family("geo", group="geo", category="geo")

NEED_RADIUS = "ERR need numeric radius"
BAD_MEMBER = "ERR could not decode requested zset member"
BAD_UNIT = "ERR unsupported unit provided. please use M, KM, FT, MI"


# ---- argument helpers ----------------------------------------------------------------------


def _lonlat(raw_lon: bytes, raw_lat: bytes) -> tuple[float, float]:
    """``extractLongLatOrReply``: both parsed first, then the range check."""
    lon = parse_double(raw_lon)
    lat = parse_double(raw_lat)
    if not -180 <= lon <= 180 or not GEO_LAT_MIN <= lat <= GEO_LAT_MAX:
        raise CommandError(f"ERR invalid longitude,latitude pair {lon:f},{lat:f}")
    return lon, lat


def _unit(raw: bytes) -> float:
    """Meters per unit (``extractUnitOrReply``; names are case-insensitive)."""
    factor = geohash.UNITS.get(raw.lower())
    if factor is None:
        raise CommandError(BAD_UNIT)
    return factor


def _radius(raw: bytes, unit: bytes) -> tuple[float, float]:
    """``extractDistanceOrReply``: (radius in units, meters per unit)."""
    radius = parse_double(raw, NEED_RADIUS)
    if radius < 0:
        raise CommandError("ERR radius cannot be negative")
    return radius, _unit(unit)


def _box(raw_w: bytes, raw_h: bytes, unit: bytes) -> tuple[float, float, float]:
    """``extractBoxOrReply``: (width, height, meters per unit)."""
    width = parse_double(raw_w, "ERR need numeric width")
    height = parse_double(raw_h, "ERR need numeric height")
    if height < 0 or width < 0:
        raise CommandError("ERR height or width cannot be negative")
    return width, height, _unit(unit)


def _read(db: Database, key: bytes) -> SortedSet | None:
    return db.get(key, SortedSet)


def _member_position(zset: SortedSet, member: bytes) -> tuple[float, float]:
    score = zset.score(member)
    if score is None:
        raise CommandError(BAD_MEMBER)
    return geohash.decode_score(score)


# ---- GEOADD, GEOPOS, GEOHASH, GEODIST --------------------------------------------------------


@FAMILY.command("geoadd", -5, "write denyoom", keys=[key_at(1, "RW update")])
def geoadd(db: Database, args: list[bytes]) -> Reply:
    """Add members at longitude/latitude positions (NX XX CH); the number added."""
    start = 1
    nx = xx = False
    while start < len(args):
        word = args[start].lower()
        if word == b"nx":
            nx = True
        elif word == b"xx":
            xx = True
        elif word != b"ch":
            break
        start += 1
    rest = args[start:]
    if len(rest) % 3 or (nx and xx):
        raise CommandError(SYNTAX)
    zadd_args = list(args[:start])
    for i in range(0, len(rest), 3):
        lon, lat = _lonlat(rest[i], rest[i + 1])
        zadd_args += [b"%d" % geohash.score_of(lon, lat), rest[i + 2]]
    return _zadd(db, zadd_args, incr=False)  # as Redis: GEOADD rewrites itself into ZADD


@FAMILY.command("geopos", -2, "readonly", keys=[key_at(1, "RO access")])
def geopos(db: Database, args: list[bytes]) -> Reply:
    """The [longitude, latitude] of each member (decoded from its score), or nil."""
    zset = _read(db, args[0])
    out: list[Reply] = []
    for member in args[1:]:
        score = None if zset is None else zset.score(member)
        if score is None:
            out.append(None)
            continue
        lon, lat = geohash.decode_score(score)
        out.append([geohash.format_coordinate(lon), geohash.format_coordinate(lat)])
    return out


@FAMILY.command("geohash", -2, "readonly", keys=[key_at(1, "RO access")])
def geohash_(db: Database, args: list[bytes]) -> Reply:
    """The standard 11-character geohash of each member, or nil."""
    zset = _read(db, args[0])
    out: list[Reply] = []
    for member in args[1:]:
        score = None if zset is None else zset.score(member)
        out.append(None if score is None else geohash.geohash_string(*geohash.decode_score(score)))
    return out


@FAMILY.command("geodist", -4, "readonly", keys=[key_at(1, "RO access")])
def geodist(db: Database, args: list[bytes]) -> Reply:
    """The distance between two members (m, km, ft or mi; four decimals), or nil."""
    to_meters = 1.0
    if len(args) == 4:
        to_meters = _unit(args[3])
    elif len(args) > 4:
        raise CommandError(SYNTAX)
    zset = _read(db, args[0])
    if zset is None:
        return None
    score1, score2 = zset.score(args[1]), zset.score(args[2])
    if score1 is None or score2 is None:
        return None
    lon1, lat1 = geohash.decode_score(score1)
    lon2, lat2 = geohash.decode_score(score2)
    return geohash.format_distance(geohash.distance(lon1, lat1, lon2, lat2) / to_meters)


# ---- searching -------------------------------------------------------------------------------

RADIUS_COORDS, RADIUS_MEMBER, NOSTORE, SEARCH, SEARCHSTORE = 1, 2, 4, 8, 16
SORT_NONE, SORT_ASC, SORT_DESC = 0, 1, 2


@dataclass
class Point:
    """``geoPoint``: a member found, its decoded position, distance (meters) and score."""

    member: bytes
    lon: float
    lat: float
    dist: float
    score: float


class _Search:
    """The options of one GEORADIUS*/GEOSEARCH* call, parsed as ``georadiusGeneric`` does."""

    def __init__(self, flags: int, name: str) -> None:
        self.flags = flags
        self.name = name
        self.shape = Shape()
        self.store: bytes | None = None
        self.storedist = False
        self.withdist = self.withhash = self.withcoord = False
        self.frommember = self.fromloc = self.byradius = self.bybox = False
        self.sort = SORT_NONE
        self.any = False
        self.count = 0

    def parse(self, zset: SortedSet | None, args: Sequence[bytes]) -> None:
        flags = self.flags
        if flags & RADIUS_COORDS:
            self.shape.lon, self.shape.lat = _lonlat(args[1], args[2])
            self.shape.radius, self.shape.conversion = _radius(args[3], args[4])
            base = 5
        elif flags & RADIUS_MEMBER:
            base = 4
            if zset is not None:  # with no key, the rest is parsed only for the reply shape
                self.shape.lon, self.shape.lat = _member_position(zset, args[1])
                self.shape.radius, self.shape.conversion = _radius(args[2], args[3])
        else:
            base = 1
            if flags & SEARCHSTORE:
                base = 2
                self.store = args[0]
        self._options(zset, args, base)
        self._check()

    def _options(self, zset: SortedSet | None, args: Sequence[bytes], base: int) -> None:
        flags = self.flags
        search = bool(flags & SEARCH)
        can_store = not flags & NOSTORE and not search
        i = base
        while i < len(args):
            word = args[i].lower()
            left = len(args) - i - 1  # arguments after this one
            if word == b"withdist":
                self.withdist = True
            elif word == b"withhash":
                self.withhash = True
            elif word == b"withcoord":
                self.withcoord = True
            elif word == b"any":
                self.any = True
            elif word == b"asc":
                self.sort = SORT_ASC
            elif word == b"desc":
                self.sort = SORT_DESC
            elif word == b"count" and left >= 1:
                self.count = _parse_count(args[i + 1])
                i += 1
            elif word in (b"store", b"storedist") and left >= 1 and can_store:
                self.store, self.storedist = args[i + 1], word == b"storedist"
                i += 1
            elif word == b"storedist" and search and flags & SEARCHSTORE:
                self.storedist = True
            elif word == b"frommember" and left >= 1 and search and not self.fromloc:
                if zset is not None:
                    self.shape.lon, self.shape.lat = _member_position(zset, args[i + 1])
                self.frommember = True
                i += 1
            elif word == b"fromlonlat" and left >= 2 and search and not self.frommember:
                self.shape.lon, self.shape.lat = _lonlat(args[i + 1], args[i + 2])
                self.fromloc = True
                i += 2
            elif word == b"byradius" and left >= 2 and search and not self.bybox:
                self.shape.radius, self.shape.conversion = _radius(args[i + 1], args[i + 2])
                self.shape.kind = CIRCLE
                self.byradius = True
                i += 2
            elif word == b"bybox" and left >= 3 and search and not self.byradius:
                width, height, conversion = _box(args[i + 1], args[i + 2], args[i + 3])
                self.shape.width, self.shape.height = width, height
                self.shape.conversion = conversion
                self.shape.kind = BOX
                self.bybox = True
                i += 3
            else:
                raise CommandError(SYNTAX)
            i += 1

    def _check(self) -> None:
        search = self.flags & SEARCH
        if self.store is not None and (self.withdist or self.withhash or self.withcoord):
            what = "GEOSEARCHSTORE" if self.flags & SEARCHSTORE else "STORE option in GEORADIUS"
            raise CommandError(
                f"ERR {what} is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
            )
        if search and not (self.frommember or self.fromloc):
            raise CommandError(
                f"ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for {self.name}"
            )
        if search and not (self.byradius or self.bybox):
            raise CommandError(
                f"ERR exactly one of BYRADIUS and BYBOX can be specified for {self.name}"
            )
        if self.any and not self.count:
            raise CommandError("ERR the ANY argument requires COUNT argument")

    # ---- running ---------------------------------------------------------------------------

    def run(self, db: Database, zset: SortedSet | None) -> Reply:
        if zset is None:
            if self.store is not None:
                self._clear_store(db)
                return 0
            return []
        if self.count and self.sort == SORT_NONE and not self.any:
            self.sort = SORT_ASC
        points = find_points(zset, self.shape, self.count if self.any else 0)
        if not points and self.store is None:
            return []
        returned = len(points) if not self.count else min(self.count, len(points))
        if self.sort != SORT_NONE:
            points = sort_points(points, returned, self.sort == SORT_DESC)
        points = points[:returned]
        for point in points:
            point.dist /= self.shape.conversion
        if self.store is not None:
            return self._store(db, points)
        return [self._render(point) for point in points]

    def _render(self, point: Point) -> Reply:
        if not (self.withdist or self.withhash or self.withcoord):
            return point.member
        item: list[Reply] = [point.member]
        if self.withdist:
            item.append(geohash.format_distance(point.dist))
        if self.withhash:
            item.append(int(point.score))
        if self.withcoord:
            item.append(
                [geohash.format_coordinate(point.lon), geohash.format_coordinate(point.lat)]
            )
        return item

    def _store(self, db: Database, points: list[Point]) -> Reply:
        assert self.store is not None
        if not points:
            self._clear_store(db)
            return 0
        result = SortedSet()
        for point in points:
            result.add(point.member, point.dist if self.storedist else point.score)
        db.put(self.store, result.compact())
        if db.notify_flags:
            event = b"geosearchstore" if self.flags & SEARCH else b"georadiusstore"
            emit(db, ZSET, event, self.store)
        return len(points)

    def _clear_store(self, db: Database) -> None:
        """An empty result deletes the destination (a ``del`` event if it existed)."""
        assert self.store is not None
        if db.delete(self.store) and db.notify_flags:
            emit(db, GENERIC, b"del", self.store)


def _parse_count(raw: bytes) -> int:
    count = parse_int(raw)
    if count <= 0:
        raise CommandError("ERR COUNT must be > 0")
    return count


def find_points(zset: SortedSet, shape: Shape, limit: int) -> list[Point]:
    """``membersOfAllNeighbors``: the members inside the shape, box by box, in Redis' walk
    order; with ``limit`` (ANY) the walk stops once that many are found."""
    boxes = geohash.areas(shape)
    found: list[Point] = []
    last = 0
    for i, box in enumerate(boxes):
        if box == geohash.ZERO:
            continue
        if last and box == boxes[last]:  # Redis: "last_processed &&", so box 0 never counts
            continue
        if found and limit and len(found) >= limit:
            break
        _points_in_box(zset, box, shape, found, limit)
        last = i
    return found


def _points_in_box(
    zset: SortedSet, box: geohash.Bits, shape: Shape, found: list[Point], limit: int
) -> None:
    low, high = geohash.score_span(box)
    lo, hi = zset.score_window(ScoreRange(float(low), float(high), False, True))
    for score, member in zset.index.islice(lo, hi):
        lon, lat = geohash.decode_score(score)
        dist = shape.contains(lon, lat)
        if dist is not None:
            found.append(Point(member, lon, lat, dist, score))
        if found and limit and len(found) >= limit:
            return


# ---- sorting as Redis sorts ------------------------------------------------------------------


def _compare(a: Point, b: Point) -> int:
    """``sort_gp_asc``: NaN distances compare as "less" both ways, as in C."""
    if a.dist > b.dist:
        return 1
    if a.dist == b.dist:
        return 0
    return -1


def sort_points(points: list[Point], returned: int, desc: bool) -> list[Point]:
    """qsort (all results) or pqsort (only the first ``returned`` need to be in order)."""
    cmp: Callable[[Point, Point], int] = (lambda a, b: -_compare(a, b)) if desc else _compare
    if returned == len(points):
        if not any(math.isnan(p.dist) for p in points):
            return sorted(points, key=lambda p: p.dist, reverse=desc)  # stable, as msort
        return _msort(points, cmp)
    items = list(points)
    _pqsort(items, 0, len(items), cmp, 0, returned - 1)
    return items


def _msort(items: list[Point], cmp: Callable[[Point, Point], int]) -> list[Point]:
    """glibc's ``msort_with_tmp``: top-down merge sort, left first on ties."""
    n = len(items)
    if n <= 1:
        return list(items)
    left = _msort(items[: n // 2], cmp)
    right = _msort(items[n // 2 :], cmp)
    out: list[Point] = []
    i = j = 0
    while i < len(left) and j < len(right):
        if cmp(left[i], right[j]) <= 0:
            out.append(left[i])
            i += 1
        else:
            out.append(right[j])
            j += 1
    return out + left[i:] + right[j:]


def _med3(a: list[Point], i: int, j: int, k: int, cmp: Callable[[Point, Point], int]) -> int:
    if cmp(a[i], a[j]) < 0:
        return j if cmp(a[j], a[k]) < 0 else (k if cmp(a[i], a[k]) < 0 else i)
    return j if cmp(a[j], a[k]) > 0 else (i if cmp(a[i], a[k]) < 0 else k)


def _vecswap(a: list[Point], i: int, j: int, n: int) -> None:
    for t in range(n):
        a[i + t], a[j + t] = a[j + t], a[i + t]


def _pqsort(
    a: list[Point], lo: int, n: int, cmp: Callable[[Point, Point], int], lrange: int, rrange: int
) -> None:
    """Redis' ``_pqsort`` (NetBSD qsort sorting only what overlaps [lrange, rrange]), on
    positions ``lo`` … ``lo + n - 1`` of ``a``."""
    while True:
        if n < 7:
            for m in range(lo + 1, lo + n):
                p = m
                while p > lo and cmp(a[p - 1], a[p]) > 0:
                    a[p], a[p - 1] = a[p - 1], a[p]
                    p -= 1
            return
        pm = lo + n // 2
        if n > 7:
            pl, pn = lo, lo + n - 1
            if n > 40:
                d = n // 8
                pl = _med3(a, pl, pl + d, pl + 2 * d, cmp)
                pm = _med3(a, pm - d, pm, pm + d, cmp)
                pn = _med3(a, pn - 2 * d, pn - d, pn, cmp)
            pm = _med3(a, pl, pm, pn, cmp)
        a[lo], a[pm] = a[pm], a[lo]
        pa = pb = lo + 1
        pc = pd = lo + n - 1
        while True:
            while pb <= pc:
                result = cmp(a[pb], a[lo])
                if result > 0:
                    break
                if result == 0:
                    a[pa], a[pb] = a[pb], a[pa]
                    pa += 1
                pb += 1
            while pb <= pc:
                result = cmp(a[pc], a[lo])
                if result < 0:
                    break
                if result == 0:
                    a[pc], a[pd] = a[pd], a[pc]
                    pd -= 1
                pc -= 1
            if pb > pc:
                break
            a[pb], a[pc] = a[pc], a[pb]
            pb += 1
            pc -= 1
        pn = lo + n
        r = min(pa - lo, pb - pa)
        _vecswap(a, lo, pb - r, r)
        r = min(pd - pc, pn - pd - 1)
        _vecswap(a, pb, pn - r, r)
        r = pb - pa
        if r > 1 and not (rrange < lo or lrange >= lo + r):
            _pqsort(a, lo, r, cmp, lrange, rrange)
        r = pd - pc
        if r <= 1:
            return
        lo, n = pn - r, r
        if rrange < lo or lrange >= lo + n:
            return


def _search(db: Database, args: list[bytes], flags: int, name: str, key_at: int = 0) -> Reply:
    zset = _read(db, args[key_at])
    search = _Search(flags, name)
    search.parse(zset, args)
    return search.run(db, zset)


def _name(db: Database, default: str) -> str:
    """The command name as the client spelled it (Redis quotes ``argv[0]`` in errors)."""
    spelled = db.command_name
    return spelled.decode("utf-8", "replace") if spelled else default


@FAMILY.command(
    "georadius", -6, "write denyoom",
    keys=[
        key_at(1, "RO access"),
        key_after("STORE", "OW update", startfrom=6),
        key_after("STOREDIST", "OW update", startfrom=6),
    ],
)
def georadius(db: Database, args: list[bytes]) -> Reply:
    """Members within a radius of a position (deprecated for GEOSEARCH); STORE/STOREDIST."""
    return _search(db, args, RADIUS_COORDS, "georadius")


@FAMILY.command("georadius_ro", -6, "readonly", keys=[key_at(1, "RO access")])
def georadius_ro(db: Database, args: list[bytes]) -> Reply:
    """GEORADIUS without STORE."""
    return _search(db, args, RADIUS_COORDS | NOSTORE, "georadius_ro")


@FAMILY.command(
    "georadiusbymember", -5, "write denyoom",
    keys=[
        key_at(1, "RO access"),
        key_after("STORE", "OW update", startfrom=5),
        key_after("STOREDIST", "OW update", startfrom=5),
    ],
)
def georadiusbymember(db: Database, args: list[bytes]) -> Reply:
    """Members within a radius of a member (deprecated for GEOSEARCH); STORE/STOREDIST."""
    return _search(db, args, RADIUS_MEMBER, "georadiusbymember")


@FAMILY.command("georadiusbymember_ro", -5, "readonly", keys=[key_at(1, "RO access")])
def georadiusbymember_ro(db: Database, args: list[bytes]) -> Reply:
    """GEORADIUSBYMEMBER without STORE."""
    return _search(db, args, RADIUS_MEMBER | NOSTORE, "georadiusbymember_ro")


@FAMILY.command("geosearch", -7, "readonly", keys=[key_at(1, "RO access")])
def geosearch(db: Database, args: list[bytes]) -> Reply:
    """Members in a radius or box around a member or position; ASC/DESC, COUNT [ANY], WITH*."""
    return _search(db, args, SEARCH, _name(db, "geosearch"))


@FAMILY.command(
    "geosearchstore", -8, "write denyoom",
    keys=[key_at(1, "OW update"), key_at(2, "RO access")],
)
def geosearchstore(db: Database, args: list[bytes]) -> Reply:
    """GEOSEARCH into a destination sorted set (STOREDIST: distances as scores)."""
    return _search(db, args, SEARCH | SEARCHSTORE, _name(db, "geosearchstore"), key_at=1)

"""Geo: positions, distances, searches and their option errors (coordinates compared in one
rendering, see normalise.py rule 3)."""

from __future__ import annotations

from fakestash._conformance.draw import lists, one_of, options, sampled
from fakestash._conformance.sequence import Family, Seq

MEMBERS = sampled(["a", "b", "c", "d", "e", "f"])
#: Longitudes/latitudes around two nearby spots, the antimeridian and the latitude limit,
#: plus values Redis refuses.
LONS = sampled(["13.361389", "15.087269", "13.5", "14.2", "179.99", "-179.99", "180", "-180",
                "0", "2.35", "181", "x", "1e400", "-0"])  # fmt: skip
LATS = sampled(["38.115556", "37.502669", "37.9", "38.0", "85.05112878", "-85.0511", "0",
                "48.85", "85.06", "-90", "nan", ""])  # fmt: skip
UNITS = sampled(["m", "km", "KM", "mi", "ft", "yd"])
RADII = sampled(["0", "1", "50", "100", "200", "500", "5000", "20000000", "-1", "x", "inf"])
SIZES = sampled(["0", "100", "300", "1000", "40000", "-5", "w"])
GEOADD_FLAGS = options(["NX"], ["XX"], ["CH"])
SEARCH_OPTS = options(
    ["WITHDIST"], ["WITHCOORD"], ["WITHHASH"], ["ASC"], ["DESC"], ["COUNT", "1"],
    ["COUNT", "2"], ["COUNT", "0"], ["COUNT", "x"], ["ANY"], ["COUNT"],
)  # fmt: skip
ORIGINS = one_of(
    lambda d: ["FROMMEMBER", MEMBERS(d)],
    lambda d: ["FROMLONLAT", LONS(d), LATS(d)],
    lambda d: [],
)
SHAPES = one_of(
    lambda d: ["BYRADIUS", RADII(d), UNITS(d)],
    lambda d: ["BYBOX", SIZES(d), SIZES(d), UNITS(d)],
    lambda d: [],
)


def _store(s: Seq) -> list[str]:
    """STORE/STOREDIST to the third key, or nothing (or STORE without its key)."""
    option = s.d.choice([[], ["STORE", "k3"], ["STOREDIST", "k3"], ["STORE"]])
    return [s.named(word) if word == "k3" else word for word in option]


def geoadd(s: Seq) -> None:
    key, flags = s.key(), GEOADD_FLAGS(s.d)
    items = [x for _ in range(s.d.integer(1, 3)) for x in (LONS(s.d), LATS(s.d), MEMBERS(s.d))]
    s.c("GEOADD", key, *flags, *items)


def positions(s: Seq) -> None:
    key, members = s.key(), lists(MEMBERS, 0, 3)(s.d)
    s.c(s.d.choice(["GEOPOS", "GEOHASH"]), key, *members)


def geodist(s: Seq) -> None:
    key, a, b = s.key(), MEMBERS(s.d), MEMBERS(s.d)
    unit = UNITS(s.d) if s.d.boolean() else None
    s.c("GEODIST", key, a, b, *([] if unit is None else [unit]))


def georadius(s: Seq) -> None:
    key, lon, lat, radius, unit = s.key(), LONS(s.d), LATS(s.d), RADII(s.d), UNITS(s.d)
    opts, store, ro = SEARCH_OPTS(s.d), _store(s), s.d.boolean()
    s.c("GEORADIUS_RO" if ro else "GEORADIUS", key, lon, lat, radius, unit, *opts, *store)


def georadiusbymember(s: Seq) -> None:
    key, member, radius, unit = s.key(), MEMBERS(s.d), RADII(s.d), UNITS(s.d)
    opts, store, ro = SEARCH_OPTS(s.d), _store(s), s.d.boolean()
    name = "GEORADIUSBYMEMBER_RO" if ro else "GEORADIUSBYMEMBER"
    s.c(name, key, member, radius, unit, *opts, *store)


def geosearch(s: Seq) -> None:
    key, origin, shape, opts = s.key(), ORIGINS(s.d), SHAPES(s.d), SEARCH_OPTS(s.d)
    store, storedist = s.d.boolean(), s.d.boolean()
    tail = [*origin, *shape, *opts, *(["STOREDIST"] if storedist else [])]
    if store:
        s.c("GEOSEARCHSTORE", s.named("k3"), key, *tail)
    else:
        s.c("GEOSEARCH", key, *tail)


def stored(s: Seq) -> None:
    s.c("ZRANGE", s.key(), "0", "-1", "WITHSCORES")


FAMILY = Family(
    "geo",
    "geo commands: positions, distances, searches and their option errors",
    (geoadd, positions, geodist, georadius, georadiusbymember, geosearch, stored),
)

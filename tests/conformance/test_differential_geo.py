"""Differential: geo commands (positions, distances, searches and their option errors)."""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import rule

from tests.conformance.harness import Differential
from tests.conformance.machine import KEYS, DifferentialMachine, options, require, run_machine

MEMBERS = st.sampled_from(["a", "b", "c", "d", "e", "f"])
#: Longitudes/latitudes around two nearby spots, the antimeridian and the latitude limit,
#: plus values Redis refuses.
LONS = st.sampled_from(["13.361389", "15.087269", "13.5", "14.2", "179.99", "-179.99", "180",
                        "-180", "0", "2.35", "181", "x", "1e400", "-0"])  # fmt: skip
LATS = st.sampled_from(["38.115556", "37.502669", "37.9", "38.0", "85.05112878", "-85.0511",
                        "0", "48.85", "85.06", "-90", "nan", ""])  # fmt: skip
UNITS = st.sampled_from(["m", "km", "KM", "mi", "ft", "yd"])
RADII = st.sampled_from(["0", "1", "50", "100", "200", "500", "5000", "20000000", "-1", "x",
                         "inf"])  # fmt: skip
SIZES = st.sampled_from(["0", "100", "300", "1000", "40000", "-5", "w"])
GEOADD_FLAGS = options(["NX"], ["XX"], ["CH"])
SEARCH_OPTS = options(
    ["WITHDIST"], ["WITHCOORD"], ["WITHHASH"], ["ASC"], ["DESC"], ["COUNT", "1"],
    ["COUNT", "2"], ["COUNT", "0"], ["COUNT", "x"], ["ANY"], ["COUNT"],
)  # fmt: skip
STORE_OPTS = st.sampled_from([[], ["STORE", "k3"], ["STOREDIST", "k3"], ["STORE"]])


class GeoMachine(DifferentialMachine):
    @rule(key=KEYS, flags=GEOADD_FLAGS,
          items=st.lists(st.tuples(LONS, LATS, MEMBERS), min_size=1, max_size=3))  # fmt: skip
    def geoadd(self, key: str, flags: list[str], items: list[tuple[str, str, str]]) -> None:
        self.c("GEOADD", key, *flags, *[x for item in items for x in item])

    @rule(key=KEYS, members=st.lists(MEMBERS, max_size=3),
          which=st.sampled_from(["GEOPOS", "GEOHASH"]))  # fmt: skip
    def positions(self, key: str, members: list[str], which: str) -> None:
        self.c(which, key, *members)

    @rule(key=KEYS, a=MEMBERS, b=MEMBERS, unit=st.one_of(st.none(), UNITS))
    def geodist(self, key: str, a: str, b: str, unit: str | None) -> None:
        self.c("GEODIST", key, a, b, *([] if unit is None else [unit]))

    @rule(key=KEYS, lon=LONS, lat=LATS, radius=RADII, unit=UNITS, opts=SEARCH_OPTS,
          store=STORE_OPTS, ro=st.booleans())  # fmt: skip
    def georadius(self, key: str, lon: str, lat: str, radius: str, unit: str,
                  opts: list[str], store: list[str], ro: bool) -> None:  # fmt: skip
        name = "GEORADIUS_RO" if ro else "GEORADIUS"
        self.c(name, key, lon, lat, radius, unit, *opts, *store)

    @rule(key=KEYS, member=MEMBERS, radius=RADII, unit=UNITS, opts=SEARCH_OPTS,
          store=STORE_OPTS, ro=st.booleans())  # fmt: skip
    def georadiusbymember(self, key: str, member: str, radius: str, unit: str,
                          opts: list[str], store: list[str], ro: bool) -> None:  # fmt: skip
        name = "GEORADIUSBYMEMBER_RO" if ro else "GEORADIUSBYMEMBER"
        self.c(name, key, member, radius, unit, *opts, *store)

    @rule(key=KEYS, origin=st.one_of(
              st.tuples(st.just("FROMMEMBER"), MEMBERS).map(list),
              st.tuples(st.just("FROMLONLAT"), LONS, LATS).map(list), st.just([])),
          shape=st.one_of(
              st.tuples(st.just("BYRADIUS"), RADII, UNITS).map(list),
              st.tuples(st.just("BYBOX"), SIZES, SIZES, UNITS).map(list), st.just([])),
          opts=SEARCH_OPTS, store=st.booleans(), storedist=st.booleans())  # fmt: skip
    def geosearch(self, key: str, origin: list[str], shape: list[str], opts: list[str],
                  store: bool, storedist: bool) -> None:  # fmt: skip
        tail = [*origin, *shape, *opts, *(["STOREDIST"] if storedist else [])]
        if store:
            self.c("GEOSEARCHSTORE", "k3", key, *tail)
        else:
            self.c("GEOSEARCH", key, *tail)

    @rule(key=KEYS)
    def stored(self, key: str) -> None:
        self.c("ZRANGE", key, "0", "-1", "WITHSCORES")


@require("geoadd", "geopos", "geodist", "georadius", "geosearch", "geosearchstore")
def test_geo_matches_redis(differential: Differential) -> None:
    run_machine(GeoMachine, differential)

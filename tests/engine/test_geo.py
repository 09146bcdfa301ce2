"""Geo commands: replies, error texts and search order, pinned to what a real Redis gives.

The last part runs thousands of random points and queries against a real redis-server 7.0
(started here, skipped when none is on PATH): every reply must be identical. Redis 7.0.15
already has the 7.2+/8.x geo arithmetic (the meridian shortcut in distances, distances
rendered with ``fixedpoint_d2string``), so no reply needs translating.
"""

from __future__ import annotations

import math
import random
import socket
from typing import Any, Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fakestash import CommandError, FakeStash
from fakestash._conformance.normalise import canonical_coordinates
from fakestash._engine import geohash
from fakestash._engine.commands.geo import Point, sort_points
from fakestash._engine.replies import Reply, Status
from tests.conformance.redis_process import RedisProcess
from tests.helpers import error, run

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
SYNTAX = "ERR syntax error"
NOT_FLOAT = "ERR value is not a valid float"
NOT_INT = "ERR value is not an integer or out of range"
BAD_UNIT = "ERR unsupported unit provided. please use M, KM, FT, MI"
STORE_WITH = (
    "ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
)
SEARCHSTORE_WITH = (
    "ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
)
PALERMO = ("13.361389", "38.115556", "Palermo")
CATANIA = ("15.087269", "37.502669", "Catania")


@pytest.fixture
def g(stash: FakeStash) -> FakeStash:
    run(stash, "GEOADD", "Sicily", *PALERMO, *CATANIA)
    stash.database.put(b"str", b"x")
    return stash


# ---- encoding ------------------------------------------------------------------------------------


def test_geoadd_stores_the_52_bit_interleaved_geohash_as_score(g: FakeStash) -> None:
    assert run(g, "ZSCORE", "Sicily", "Palermo") == b"3479099956230698"
    assert run(g, "ZSCORE", "Sicily", "Catania") == b"3479447370796909"
    assert run(g, "TYPE", "Sicily") == "zset"
    assert run(g, "ZRANGE", "Sicily", "0", "-1") == [b"Palermo", b"Catania"]


def test_geopos_decodes_the_score_and_prints_long_double_human_form(g: FakeStash) -> None:
    assert run(g, "GEOPOS", "Sicily", "Palermo", "nope", "Catania") == [
        [b"13.361389338970184", b"38.1155563954963"],
        None,
        [b"15.087267458438873", b"37.50266842333162"],
    ]
    assert run(g, "GEOPOS", "nokey", "a") == [None]
    assert run(g, "GEOPOS", "Sicily") == []


def test_geohash_uses_the_standard_latitude_range_and_ends_in_zero(g: FakeStash) -> None:
    assert run(g, "GEOHASH", "Sicily", "Palermo", "Catania", "nope") == [
        b"sqc8b49rny0",
        b"sqdtr74hyu0",
        None,
    ]
    assert run(g, "GEOHASH", "nokey", "a", "b") == [None, None]


def test_edge_of_the_range_overflows_the_26_bits_as_redis_does(stash: FakeStash) -> None:
    assert run(stash, "GEOADD", "k", "180", "85.05112878", "edge") == 1
    assert run(stash, "ZSCORE", "k", "edge") == b"13510798882111488"  # 1.5 * 2**53
    assert run(stash, "GEOPOS", "k", "edge") == [[b"180", b"85.05112878"]]
    assert run(stash, "GEOHASH", "k", "edge") == [b"bp05b5048p0"]


def test_any_score_decodes_like_cs_double_to_uint64_conversion(stash: FakeStash) -> None:
    run(stash, "ZADD", "k", "1.5", "weird", "-1", "neg", "1e300", "big")
    assert run(stash, "GEOPOS", "k", "weird", "neg", "big") == [
        [b"-179.99999731779099", b"-85.05112497791825"],
        [b"180", b"85.05112878"],
        [b"-179.99999731779099", b"-85.05112751263943"],
    ]
    assert run(stash, "GEOHASH", "k", "weird", "neg", "big") == [
        b"00bh0hbj210",
        b"bp05b5048p0",
        b"00bh0hbj200",
    ]
    assert run(stash, "GEODIST", "k", "weird", "neg") == b"18919844.3072"


@given(
    st.floats(min_value=-180, max_value=179.999999),  # 180 itself overflows the 26 bits
    st.floats(min_value=geohash.GEO_LAT_MIN, max_value=85.051128),
)
def test_decoding_an_encoded_position_lands_within_one_cell(lon: float, lat: float) -> None:
    score = geohash.score_of(lon, lat)
    dlon, dlat = geohash.decode_score(float(score))
    assert abs(dlon - lon) <= 360 / 2**26
    assert abs(dlat - lat) <= 2 * geohash.GEO_LAT_MAX / 2**26


@given(st.integers(min_value=0, max_value=2**32 - 1), st.integers(min_value=0, max_value=2**32 - 1))
def test_deinterleave_inverts_interleave(x: int, y: int) -> None:
    assert geohash.deinterleave64(geohash.interleave64(x, y)) == x | (y << 32)


def test_neighbours_of_a_box_are_the_adjacent_boxes() -> None:
    box = geohash.encode_wgs84(13.361389, 38.115556, 10)
    area = geohash.decode(geohash.WGS84_LONG, geohash.WGS84_LAT, box)
    around = geohash.neighbors(box)
    north = geohash.decode(geohash.WGS84_LONG, geohash.WGS84_LAT, around.north)
    east = geohash.decode(geohash.WGS84_LONG, geohash.WGS84_LAT, around.east)
    assert north.lat_min == area.lat_max and north.lon_min == area.lon_min
    assert east.lon_min == area.lon_max and east.lat_min == area.lat_min


def test_estimated_steps_follow_the_radius_and_shrink_near_the_poles() -> None:
    assert geohash.estimate_steps_by_radius(0, 0) == 26
    assert geohash.estimate_steps_by_radius(200_000, 0) == 6
    assert geohash.estimate_steps_by_radius(200_000, 70) == 5
    assert geohash.estimate_steps_by_radius(200_000, -85) == 4
    assert geohash.estimate_steps_by_radius(1e9, 0) == 1
    assert geohash.estimate_steps_by_radius(0.001, 0) == 26


# ---- GEOADD ----------------------------------------------------------------------------------------


def test_geoadd_options_nx_xx_ch(g: FakeStash) -> None:
    assert run(g, "GEOADD", "Sicily", "NX", "1", "1", "Palermo", "2", "2", "new") == 1
    assert run(g, "GEOPOS", "Sicily", "Palermo")[0][0] == b"13.361389338970184"  # type: ignore[index]
    assert run(g, "GEOADD", "Sicily", "XX", "1", "1", "Palermo", "3", "3", "other") == 0
    assert run(g, "ZSCORE", "Sicily", "other") is None
    assert run(g, "GEOADD", "Sicily", "CH", "1", "1", "Palermo", "4", "4", "x") == 1
    assert run(g, "GEOADD", "Sicily", "ch", "xx", "2", "2", "Palermo", "1", "1", "x") == 2
    assert run(g, "GEOADD", "Sicily", "1", "1", "x") == 0


def test_geoadd_xx_on_a_missing_key_creates_nothing(stash: FakeStash) -> None:
    assert run(stash, "GEOADD", "k", "XX", "1", "1", "a") == 0
    assert run(stash, "EXISTS", "k") == 0


def test_geoadd_errors(g: FakeStash) -> None:
    assert error(g, "GEOADD", "k", "1", "2") == "ERR wrong number of arguments for 'geoadd' command"
    assert error(g, "GEOADD", "k", "1", "1", "a", "2") == SYNTAX
    assert error(g, "GEOADD", "k", "CH", "1", "1") == SYNTAX
    assert error(g, "GEOADD", "k", "NX", "XX", "1", "1", "a") == SYNTAX
    assert error(g, "GEOADD", "k", "CH", "NX", "CH") == SYNTAX  # no elements at all
    assert error(g, "GEOADD", "k", "GT", "1", "1", "a") == SYNTAX  # ZADD's GT is not GEOADD's
    assert error(g, "GEOADD", "k", "1", "x", "a") == NOT_FLOAT
    assert error(g, "GEOADD", "k", "1", "nan", "a") == NOT_FLOAT
    assert error(g, "GEOADD", "k", "x", "200", "a") == NOT_FLOAT
    assert (
        error(g, "GEOADD", "k", "1", "1", "a", "200", "100", "b")
        == "ERR invalid longitude,latitude pair 200.000000,100.000000"
    )
    assert (
        error(g, "GEOADD", "k", "-180.1", "0", "a")
        == "ERR invalid longitude,latitude pair -180.100000,0.000000"
    )
    assert (
        error(g, "GEOADD", "k", "0", "85.05112879", "a")
        == "ERR invalid longitude,latitude pair 0.000000,85.051129"
    )
    assert (
        error(g, "GEOADD", "k", "inf", "0", "a")
        == "ERR invalid longitude,latitude pair inf,0.000000"
    )
    assert run(g, "EXISTS", "k") == 0  # nothing added when one pair is bad
    assert error(g, "GEOADD", "str", "1", "1", "a") == WRONGTYPE
    assert error(g, "GEOADD", "str", "200", "1", "a").startswith("ERR invalid longitude")


# ---- GEODIST -------------------------------------------------------------------------------------------


def test_geodist_units_and_four_decimals(g: FakeStash) -> None:
    assert run(g, "GEODIST", "Sicily", "Palermo", "Catania") == b"166274.1516"
    assert run(g, "GEODIST", "Sicily", "Palermo", "Catania", "km") == b"166.2742"
    assert run(g, "GEODIST", "Sicily", "Palermo", "Catania", "MI") == b"103.3182"
    assert run(g, "GEODIST", "Sicily", "Palermo", "Catania", "ft") == b"545518.8700"
    assert run(g, "GEODIST", "Sicily", "Palermo", "Palermo") == b"0.0000"


def test_geodist_nil_and_errors(g: FakeStash) -> None:
    assert run(g, "GEODIST", "Sicily", "Palermo", "nope") is None
    assert run(g, "GEODIST", "nokey", "a", "b") is None
    assert error(g, "GEODIST", "Sicily", "a", "b", "parsec") == BAD_UNIT
    assert error(g, "GEODIST", "nokey", "a", "b", "parsec") == BAD_UNIT  # unit checked first
    assert error(g, "GEODIST", "Sicily", "a", "b", "km", "x") == SYNTAX
    assert error(g, "GEODIST", "str", "a", "b") == WRONGTYPE


def test_distance_rendering_is_llrint_of_ten_thousandths() -> None:
    assert geohash.format_distance(0.0) == b"0.0000"
    assert geohash.format_distance(0.00025) == b"0.0002"  # 2.5 rounds half to even
    assert geohash.format_distance(1.23456) == b"1.2346"
    assert geohash.format_distance(12345.5) == b"12345.5000"
    assert geohash.format_distance(math.nan) == b"-922337203685477.5808"
    assert geohash.format_distance(0.00005) == b"0.0000"  # 0.00005 * 1e4 == 0.5 (%.4f: 0.0001)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (
            (50.12511953762393, 33.6187360432027),
            (-101.96537734688927, 58.98141783562741),
            b"9402257.2472",
        ),
        (
            (22.258056021673326, -55.12223214211738),
            (-14.123358552805598, 37.44516306735903),
            b"10862295.6616",
        ),
        (
            (-24.34840525454902, 15.707692032418251),
            (166.63565266711896, -16.261105529937822),
            b"18844783.7546",
        ),
    ],
)
def test_geodist_where_printf_would_round_the_other_way(
    stash: FakeStash, a: tuple[float, float], b: tuple[float, float], expected: bytes
) -> None:
    """Replies of Redis 7.0.15 for pairs where ``%.4f`` gives a different last digit."""
    run(stash, "GEOADD", "k", repr(a[0]), repr(a[1]), "a", repr(b[0]), repr(b[1]), "b")
    assert run(stash, "GEODIST", "k", "a", "b") == expected


def test_same_meridian_distance_is_the_plain_arc(stash: FakeStash) -> None:
    arc = geohash.distance(10.0, 1.0, 10.0, 2.0)
    assert arc == geohash.EARTH_RADIUS_IN_METERS * abs(geohash.deg_rad(2.0) - geohash.deg_rad(1.0))
    # a Redis 7.0.15 STOREDIST score, where haversine would give 5652934.858092251
    run(stash, "GEOADD", "k", "180", "-5.24962930909240555", "p")
    assert run(stash, "GEOPOS", "k", "p") == [[b"180", b"-5.2496293090924055"]]
    assert (
        run(stash, "GEORADIUS", "k", "180", "10.241442", "8195582.004", "ft", "STOREDIST", "d") == 1
    )
    assert float(run(stash, "ZSCORE", "d", "p")) == 5652934.8580922522  # type: ignore[arg-type]


# ---- GEORADIUS / GEORADIUSBYMEMBER ---------------------------------------------------------------------


def test_georadius_plain_and_with_everything(g: FakeStash) -> None:
    assert run(g, "GEORADIUS", "Sicily", "15", "37", "200", "km") == [b"Palermo", b"Catania"]
    assert run(g, "GEORADIUS", "Sicily", "15", "37", "100", "km") == [b"Catania"]
    assert run(
        g,
        "GEORADIUS",
        "Sicily",
        "15",
        "37",
        "200",
        "km",
        "WITHDIST",
        "WITHCOORD",
        "WITHHASH",
        "ASC",
    ) == [
        [
            b"Catania",
            b"56.4413",
            3479447370796909,
            [b"15.087267458438873", b"37.50266842333162"],
        ],
        [
            b"Palermo",
            b"190.4424",
            3479099956230698,
            [b"13.361389338970184", b"38.1155563954963"],
        ],
    ]
    assert run(g, "GEORADIUS", "Sicily", "15", "37", "200", "km", "DESC", "WITHDIST") == [
        [b"Palermo", b"190.4424"],
        [b"Catania", b"56.4413"],
    ]


def test_count_implies_asc_but_any_keeps_walk_order(g: FakeStash) -> None:
    assert run(g, "GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT", "1") == [b"Catania"]
    assert run(g, "GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT", "1", "ANY") == [
        b"Palermo"
    ]
    assert run(g, "GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT", "5") == [
        b"Catania",
        b"Palermo",
    ]


def test_georadiusbymember(g: FakeStash) -> None:
    assert run(g, "GEORADIUSBYMEMBER", "Sicily", "Palermo", "200", "km", "WITHDIST") == [
        [b"Palermo", b"0.0000"],
        [b"Catania", b"166.2742"],
    ]
    assert error(g, "GEORADIUSBYMEMBER", "Sicily", "nope", "1", "km") == (
        "ERR could not decode requested zset member"
    )
    # no key: the radius is not even parsed, the reply shape still follows STORE
    assert run(g, "GEORADIUSBYMEMBER", "nokey", "m", "-1", "km") == []
    assert run(g, "GEORADIUSBYMEMBER_RO", "nokey", "m", "x", "y") == []


def test_georadius_store_and_storedist(g: FakeStash) -> None:
    assert run(g, "GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "dst") == 2
    assert run(g, "ZRANGE", "dst", "0", "-1", "WITHSCORES") == [
        b"Palermo",
        b"3479099956230698",
        b"Catania",
        b"3479447370796909",
    ]
    assert run(g, "GEORADIUS", "Sicily", "15", "37", "200", "km", "STOREDIST", "dst") == 2
    assert run(g, "ZRANGE", "dst", "0", "-1", "WITHSCORES") == [
        b"Catania",
        b"56.4412578701582",
        b"Palermo",
        b"190.44242984775784",
    ]
    assert (
        run(g, "GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT", "1", "STOREDIST", "dst")
        == 1
    )
    assert run(g, "ZRANGE", "dst", "0", "-1") == [b"Catania"]


def test_store_overwrites_any_type_and_an_empty_result_deletes(g: FakeStash) -> None:
    run(g, "SET", "dst", "x", "EX", "100")
    assert run(g, "GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "dst") == 2
    assert run(g, "TYPE", "dst") == "zset"
    assert run(g, "TTL", "dst") == -1
    assert run(g, "GEORADIUS", "Sicily", "0", "0", "1", "km", "STORE", "dst") == 0
    assert run(g, "EXISTS", "dst") == 0
    run(g, "SET", "dst", "x")
    assert run(g, "GEORADIUS", "nokey", "0", "0", "1", "km", "STORE", "dst") == 0
    assert run(g, "EXISTS", "dst") == 0


def test_georadius_errors(g: FakeStash) -> None:
    base = ("GEORADIUS", "Sicily", "15", "37")
    assert error(g, *base, "-1", "km") == "ERR radius cannot be negative"
    assert error(g, *base, "x", "km") == "ERR need numeric radius"
    assert error(g, *base, "1", "parsec") == BAD_UNIT
    assert error(g, *base, "1", "km", "COUNT", "0") == "ERR COUNT must be > 0"
    assert error(g, *base, "1", "km", "COUNT", "-3") == "ERR COUNT must be > 0"
    assert error(g, *base, "1", "km", "COUNT", "x") == NOT_INT
    assert error(g, *base, "1", "km", "COUNT") == SYNTAX
    assert error(g, *base, "1", "km", "ANY") == "ERR the ANY argument requires COUNT argument"
    assert error(g, *base, "1", "km", "STORE", "d", "WITHDIST") == STORE_WITH
    assert error(g, *base, "1", "km", "WITHHASH", "STOREDIST", "d") == STORE_WITH
    assert error(g, *base, "1", "km", "STORE") == SYNTAX
    assert error(g, *base, "1", "km", "BYRADIUS", "1", "km") == SYNTAX
    assert error(g, *base, "1", "km", "FROMMEMBER", "Palermo") == SYNTAX
    assert error(g, "GEORADIUS_RO", "Sicily", "15", "37", "1", "km", "STORE", "d") == SYNTAX
    assert error(g, "GEORADIUS", "Sicily", "200", "100", "1", "km") == (
        "ERR invalid longitude,latitude pair 200.000000,100.000000"
    )
    assert error(g, "GEORADIUS", "str", "200", "100", "1", "km") == WRONGTYPE
    assert run(g, "GEORADIUS", "nokey", "15", "37", "1", "km") == []
    assert error(g, "GEORADIUS", "nokey", "15", "37", "-1", "km") == "ERR radius cannot be negative"


# ---- GEOSEARCH / GEOSEARCHSTORE ----------------------------------------------------------------------


def test_geosearch_by_radius_and_box(g: FakeStash) -> None:
    assert run(
        g, "GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "ASC"
    ) == [b"Catania", b"Palermo"]
    assert run(g, "GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "400", "400", "km") == [
        b"Palermo",
        b"Catania",
    ]
    assert (
        run(g, "GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "400", "100", "km") == []
    )  # Catania is 55.6 km north, the half height 50 km
    assert run(g, "GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "400", "120", "km") == [
        b"Catania"
    ]
    assert run(
        g,
        "GEOSEARCH",
        "Sicily",
        "FROMMEMBER",
        "Palermo",
        "BYBOX",
        "400",
        "400",
        "km",
        "WITHDIST",
        "DESC",
        "COUNT",
        "1",
    ) == [[b"Catania", b"166.2742"]]


def test_geosearchstore(g: FakeStash) -> None:
    assert (
        run(
            g,
            "GEOSEARCHSTORE",
            "dst",
            "Sicily",
            "FROMLONLAT",
            "15",
            "37",
            "BYRADIUS",
            "200",
            "km",
            "STOREDIST",
        )
        == 2
    )
    assert run(g, "ZRANGE", "dst", "0", "-1", "WITHSCORES") == [
        b"Catania",
        b"56.4412578701582",
        b"Palermo",
        b"190.44242984775784",
    ]
    assert run(g, "GEOSEARCHSTORE", "dst", "nokey", "FROMMEMBER", "x", "BYRADIUS", "1", "m") == 0
    assert run(g, "EXISTS", "dst") == 0


def test_geosearch_errors_quote_the_command_as_spelled(g: FakeStash) -> None:
    assert error(g, "GeoSearch", "Sicily", "FROMLONLAT", "15", "37", "COUNT", "1") == (
        "ERR exactly one of BYRADIUS and BYBOX can be specified for GeoSearch"
    )
    assert error(g, "geosearch", "Sicily", "BYRADIUS", "1", "km", "ASC", "WITHDIST") == (
        "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for geosearch"
    )
    assert error(g, "GEOSEARCHSTORE", "d", "Sicily", "BYBOX", "1", "1", "km", "ASC") == (
        "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for GEOSEARCHSTORE"
    )


def test_geosearch_option_conflicts(g: FakeStash) -> None:
    base = ("GEOSEARCH", "Sicily")
    assert (
        error(g, *base, "FROMMEMBER", "Palermo", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "m")
        == SYNTAX
    )
    assert (
        error(g, *base, "FROMLONLAT", "1", "1", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "m")
        == SYNTAX
    )
    assert (
        error(g, *base, "FROMLONLAT", "1", "1", "BYRADIUS", "1", "m", "BYBOX", "1", "1", "m")
        == SYNTAX
    )
    assert error(g, *base, "FROMLONLAT", "1", "1", "BYRADIUS", "1", "m", "STORE", "d") == SYNTAX
    assert error(g, *base, "FROMLONLAT", "1", "1", "BYRADIUS", "1", "m", "STOREDIST") == SYNTAX
    assert error(g, *base, "FROMLONLAT", "1", "1", "BYBOX", "-1", "1", "m") == (
        "ERR height or width cannot be negative"
    )
    assert error(g, *base, "FROMLONLAT", "1", "1", "BYBOX", "x", "1", "m") == (
        "ERR need numeric width"
    )
    assert error(g, *base, "FROMLONLAT", "1", "1", "BYBOX", "1", "x", "m") == (
        "ERR need numeric height"
    )
    assert error(g, *base, "FROMMEMBER", "nope", "BYRADIUS", "1", "m") == (
        "ERR could not decode requested zset member"
    )
    assert (
        error(
            g,
            "GEOSEARCHSTORE",
            "d",
            "Sicily",
            "FROMLONLAT",
            "1",
            "1",
            "BYRADIUS",
            "1",
            "m",
            "WITHDIST",
        )
        == SEARCHSTORE_WITH
    )
    # repeating FROMMEMBER or BYRADIUS is allowed: the last one counts
    assert run(
        g,
        *base,
        "FROMMEMBER",
        "Palermo",
        "FROMMEMBER",
        "Catania",
        "BYRADIUS",
        "1",
        "m",
        "BYRADIUS",
        "2",
        "m",
    ) == [b"Catania"]
    assert run(g, "GEOSEARCH", "nokey", "FROMMEMBER", "x", "BYRADIUS", "1", "m") == []


def test_search_commands_are_registered_with_redis_arity_and_flags() -> None:
    from fakestash._engine.registry import Registry

    expected = {
        "geoadd": (-5, True),
        "geodist": (-4, False),
        "geohash": (-2, False),
        "geopos": (-2, False),
        "georadius": (-6, True),
        "georadius_ro": (-6, False),
        "georadiusbymember": (-5, True),
        "georadiusbymember_ro": (-5, False),
        "geosearch": (-7, False),
        "geosearchstore": (-8, True),
    }
    for name, (arity, write) in expected.items():
        cmd = Registry.default().get(name)
        assert cmd is not None and cmd.arity == arity and cmd.is_write == write, name
    radius = Registry.default().get("georadius")
    assert radius is not None
    assert radius.keys([b"GEORADIUS", b"k", b"1", b"1", b"1", b"m", b"STORE", b"d"]) == [
        b"k",
        b"d",
    ]


def test_store_result_is_a_listpack_when_small(g: FakeStash) -> None:
    run(g, "GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "dst")
    assert g.database.data[b"dst"].encoding == "listpack"


# ---- sorting ---------------------------------------------------------------------------------------------


def _points(dists: list[float]) -> list[Point]:
    return [Point(str(i).encode(), 0.0, 0.0, d, 0.0) for i, d in enumerate(dists)]


@given(st.lists(st.integers(0, 5), min_size=1, max_size=60), st.integers(1, 60), st.booleans())
def test_partial_sort_orders_the_first_count_like_a_full_sort(
    dists: list[int], count: int, desc: bool
) -> None:
    points = _points([float(d) for d in dists])
    count = min(count, len(points))
    partial = sort_points(points, count, desc)
    full = sorted(points, key=lambda p: p.dist, reverse=desc)
    assert [p.dist for p in partial[:count]] == [p.dist for p in full[:count]]
    assert sorted(p.member for p in partial) == sorted(p.member for p in points)


def test_full_sort_is_stable_for_equal_distances() -> None:
    points = _points([2.0, 1.0, 2.0, 1.0])
    assert [p.member for p in sort_points(points, 4, False)] == [b"1", b"3", b"0", b"2"]
    assert [p.member for p in sort_points(points, 4, True)] == [b"0", b"2", b"1", b"3"]


# ---- against a real redis-server 7.0 ------------------------------------------------------------------


class Resp:
    """A minimal RESP2 client: replies exactly as sent (no client-side reshaping)."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.buf = b""

    def close(self) -> None:
        self.sock.close()

    def __call__(self, *args: Any) -> Reply:
        parts = [b"*%d\r\n" % len(args)]
        for arg in args:
            raw = arg if isinstance(arg, bytes) else str(arg).encode()
            parts.append(b"$%d\r\n%s\r\n" % (len(raw), raw))
        self.sock.sendall(b"".join(parts))
        return self._read()

    def _line(self) -> bytes:
        while b"\r\n" not in self.buf:
            self.buf += self.sock.recv(65536)
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _read(self) -> Reply:
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return Status(rest.decode())
        if kind == b"-":
            raise CommandError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self.buf += self.sock.recv(65536)
            data, self.buf = self.buf[:n], self.buf[n + 2 :]
            return data
        n = int(rest)
        return None if n < 0 else [self._read() for _ in range(n)]


@pytest.fixture(scope="module")
def redis70(redis_server: RedisProcess) -> Iterator[Resp]:
    if not redis_server.version.startswith("7.0."):
        pytest.skip("the comparison is written for Redis 7.0")
    client = Resp(redis_server.port)
    try:
        yield client
    finally:
        client.close()


class Pair:
    """One command to the engine and to Redis; replies must match."""

    def __init__(self, real: Resp) -> None:
        self.real = real
        self.fake = FakeStash(seed=0)
        self.checked = 0
        self.found = 0  # replies listing at least two results
        self.errors = 0
        real("FLUSHALL")

    def __call__(self, *args: Any) -> Reply:
        argv = [a if isinstance(a, bytes) else str(a).encode() for a in args]
        self.last = argv
        try:
            mine: Any = self.fake.execute(*argv)
        except CommandError as exc:
            mine = ("error", exc.text)
        try:
            theirs: Any = self.real(*argv)
        except CommandError as exc:
            theirs = ("error", exc.text)
        # 7.x prints coordinates as long doubles, 8.2 (and the engine) as doubles
        same = canonical_coordinates(argv, mine) == canonical_coordinates(argv, theirs)
        assert same, f"{argv!r}\n fake: {mine!r}\n real: {theirs!r}"
        self.checked += 1
        self.found += isinstance(mine, list) and len(mine) > 1
        self.errors += isinstance(mine, tuple)
        return mine  # type: ignore[no-any-return]


def _coord(rng: random.Random, centre: tuple[float, float], spread: float) -> tuple[str, str]:
    lon = min(180.0, max(-180.0, centre[0] + rng.uniform(-spread, spread)))
    lat = min(
        geohash.GEO_LAT_MAX, max(geohash.GEO_LAT_MIN, centre[1] + rng.uniform(-spread, spread))
    )
    return repr(round(lon, rng.choice([2, 4, 6, 9]))), repr(round(lat, rng.choice([2, 4, 6, 9])))


CENTRES = [
    (13.36, 38.11),
    (0.0, 0.0),
    (179.9, 10.0),
    (-179.95, -20.0),
    (2.35, 84.9),
    (-70.0, -84.5),
    (100.0, 67.0),
    (-0.0001, 51.5),
]
UNIT_NAMES = ["m", "km", "ft", "mi", "KM", "Mi"]


def _populate(pair: Pair, rng: random.Random, key: str, n: int) -> list[str]:
    members: list[str] = []
    for i in range(n):
        centre = rng.choice(CENTRES)
        lon, lat = _coord(rng, centre, rng.choice([0.01, 0.5, 3.0, 30.0]))
        member = f"m{i}"
        if rng.random() < 0.05 and members:  # same position as an earlier member: ties
            pos = pair("GEOPOS", key, members[-1])
            assert isinstance(pos, list)
            if isinstance(pos[0], list):
                lon, lat = pos[0][0].decode(), pos[0][1].decode()  # type: ignore[union-attr]
        pair("GEOADD", key, lon, lat, member)
        members.append(member)
    return members


def _radius(rng: random.Random) -> tuple[str, str]:
    unit = rng.choice(UNIT_NAMES)
    meters = rng.choice([10, 1_000, 50_000, 300_000, 2_000_000, 8_000_000])
    value = meters * rng.uniform(0.1, 1.5) / geohash.UNITS[unit.lower().encode()]
    return repr(round(value, rng.choice([0, 3]))), unit


def _options(rng: random.Random) -> list[str]:
    groups: list[list[str]] = [
        [w] for w in ("WITHDIST", "WITHCOORD", "WITHHASH") if rng.random() < 0.4
    ]
    roll = rng.random()
    if roll < 0.3:
        groups.append(["ASC"])
    elif roll < 0.5:
        groups.append(["DESC"])
    if rng.random() < 0.5:
        groups.append(["COUNT", str(rng.choice([1, 2, 3, 5, 8, 20, 100]))])
        if rng.random() < 0.3:
            groups.append(["ANY"])
    rng.shuffle(groups)
    return [word for group in groups for word in group]


def _query(pair: Pair, rng: random.Random, key: str, members: list[str]) -> None:
    kind = rng.randrange(6)
    centre = rng.choice(CENTRES)
    if rng.random() < 0.5:  # around a member: most such queries find something
        pos = pair.fake.execute("GEOPOS", key, rng.choice(members))
        assert isinstance(pos, list)
        if isinstance(pos[0], list):  # (None if that member's GEOADD was refused)
            centre = (float(pos[0][0]), float(pos[0][1]))  # type: ignore[arg-type]
    lon, lat = _coord(rng, centre, rng.choice([0.0, 0.3, 5.0]))
    member = rng.choice(members)
    opts = _options(rng)
    if kind == 0:
        pair(rng.choice(["GEORADIUS", "GEORADIUS_RO"]), key, lon, lat, *_radius(rng), *opts)
    elif kind == 1:
        pair(
            rng.choice(["GEORADIUSBYMEMBER", "georadiusbymember_ro"]),
            key,
            member,
            *_radius(rng),
            *opts,
        )
    elif kind == 2:
        plain = [o for o in opts if not o.startswith("WITH")]
        store = rng.choice(["STORE", "STOREDIST"])
        n = pair("GEORADIUS", key, lon, lat, *_radius(rng), *plain, store, "dst")
        _compare_store(pair, n)
    else:
        origin = ["FROMMEMBER", member] if rng.random() < 0.4 else ["FROMLONLAT", lon, lat]
        if rng.random() < 0.5:
            shape = ["BYRADIUS", *_radius(rng)]
        else:
            w, unit = _radius(rng)
            h, h_unit = _radius(rng)
            h_in_unit = float(h) * geohash.UNITS[h_unit.lower().encode()]
            shape = ["BYBOX", w, repr(h_in_unit / geohash.UNITS[unit.lower().encode()]), unit]
        parts = origin + shape
        if kind == 5:
            plain = [o for o in opts if not o.startswith("WITH")]
            dist = ["STOREDIST"] if rng.random() < 0.5 else []
            n = pair("GEOSEARCHSTORE", "dst", key, *parts, *plain, *dist)
            _compare_store(pair, n)
        else:
            pair("GEOSEARCH", key, *parts, *opts)


def _compare_store(pair: Pair, n: Reply) -> None:
    """ZRANGE WITHSCORES differs in double rendering between 7.0 and the engine: compare
    members, and scores by value."""
    if not isinstance(n, int):
        return
    argv = pair.last
    members = pair("ZRANGE", "dst", "0", "-1")
    assert isinstance(members, list) and len(members) == n
    mine = pair.fake.execute("ZRANGE", "dst", "0", "-1", "WITHSCORES")
    theirs = pair.real("ZRANGE", "dst", "0", "-1", "WITHSCORES")
    assert isinstance(mine, list) and isinstance(theirs, list)
    pairs = zip(mine[0::2], mine[1::2], theirs[1::2])
    diff = [(m, a, b) for m, a, b in pairs if float(a) != float(b)]  # type: ignore[arg-type]
    assert not diff, (argv, diff, [pair.fake.execute("GEOPOS", "geo", m) for m, _, _ in diff])


@pytest.mark.real_redis
@pytest.mark.parametrize("seed", range(8))
def test_random_points_and_queries_match_redis(redis70: Resp, seed: int) -> None:
    rng = random.Random(seed)
    pair = Pair(redis70)
    members = _populate(pair, rng, "geo", rng.choice([20, 100, 300]))
    for _ in range(800):
        _query(pair, rng, "geo", members)
    for _ in range(100):
        a, b = rng.choice(members), rng.choice(members)
        pair("GEODIST", "geo", a, b, rng.choice(UNIT_NAMES))
    pair("GEOPOS", "geo", *members)
    pair("GEOHASH", "geo", *members)
    print(f"checked {pair.checked}, with results {pair.found}, errors {pair.errors}")
    assert pair.found > 200


ERROR_CASES = [
    ["GEOADD", "geo", "NX", "XX", "1", "1", "a"],
    ["GEOADD", "geo", "1", "1"],
    ["GEOADD", "geo", "ch", "1", "1"],
    ["GEOADD", "geo", "1", "99", "a"],
    ["GEOADD", "geo", "1e400", "1", "a"],
    ["GEOADD", "geo", " 1", "1", "a"],
    ["GEOADD", "geo", "0x10", "1", "hex"],
    ["GEOADD", "geo", "-0", "-0", "zero"],
    ["GEODIST", "geo", "a", "b", "c", "d"],
    ["GEODIST", "geo", "a", "b", "yards"],
    ["GEORADIUS", "geo", "1", "1", "1", "km", "COUNT"],
    ["GEORADIUS", "geo", "1", "1", "1", "km", "COUNT", "0"],
    ["GEORADIUS", "geo", "1", "1", "1", "km", "COUNT", "1.5"],
    ["GEORADIUS", "geo", "1", "1", "1", "km", "ANY"],
    ["GEORADIUS", "geo", "1", "1", "1", "km", "ANY", "COUNT", "2", "ANY"],
    ["GEORADIUS", "geo", "1", "1", "inf", "km"],
    ["GEORADIUS", "geo", "1", "1", "nan", "km"],
    ["GEORADIUS", "geo", "1", "1", "0", "km", "WITHDIST"],
    ["GEORADIUS", "geo", "1", "1", "1", "km", "STORE", "x", "WITHCOORD"],
    ["GEORADIUS", "geo", "1", "1", "1", "km", "STOREDIST"],
    ["GEORADIUS", "geo", "1", "1", "1", "km", "FROMLONLAT", "1", "1"],
    ["GEORADIUS", "geo", "1", "1", "1", "km", "BYBOX", "1", "1", "km"],
    ["GEORADIUS_RO", "geo", "1", "1", "1", "km", "STOREDIST", "x"],
    ["GEORADIUSBYMEMBER", "geo", "nope", "1", "km"],
    ["GEORADIUSBYMEMBER", "geo", "m0", "-5", "km"],
    ["GEORADIUSBYMEMBER", "nokey", "m0", "-5", "km", "STORE", "x"],
    ["GEORADIUSBYMEMBER", "nokey", "m0", "1", "km", "WITHDIST", "STORE", "x"],
    ["GEOSEARCH", "geo", "FROMLONLAT", "1", "1", "COUNT", "1"],
    ["GeoSearch", "geo", "BYRADIUS", "1", "km", "ASC"],
    ["GEOSEARCH", "geo", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km", "BYBOX", "1", "1", "m"],
    ["GEOSEARCH", "geo", "FROMLONLAT", "1", "1", "BYBOX", "1", "-1", "m"],
    ["GEOSEARCH", "geo", "FROMLONLAT", "1", "1", "BYBOX", "1", "1", "yd"],
    ["GEOSEARCH", "geo", "FROMLONLAT", "1", "1", "BYBOX", "1", "1"],
    ["GEOSEARCH", "geo", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km", "STOREDIST"],
    ["GEOSEARCH", "geo", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km", "STORE", "x"],
    ["GEOSEARCH", "geo", "FROMLONLAT", "1", "100", "BYRADIUS", "1", "km"],
    ["GEOSEARCH", "geo", "FROMMEMBER", "nope", "BYRADIUS", "1", "km"],
    ["GEOSEARCH", "nokey", "FROMMEMBER", "nope", "BYRADIUS", "1", "km"],
    ["GEOSEARCH", "geo", "FROMMEMBER", "m0", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km"],
    ["GEOSEARCH", "geo", "FROMLONLAT", "1", "1", "FROMMEMBER", "m0", "BYRADIUS", "1", "km"],
    ["GEOSEARCH", "geo", "FROMMEMBER", "m0", "BYRADIUS", "7000", "km", "COUNT", "3", "ANY"],
    ["GEOSEARCH", "geo", "FROMMEMBER", "m0", "BYBOX", "inf", "1", "km"],
    ["GEOSEARCH", "geo", "FROMLONLAT", "0", "0", "BYRADIUS", "20000", "km", "WITHDIST"],
    ["GEOSEARCH", "geo", "FROMLONLAT", "180", "85", "BYBOX", "40000", "40000", "km"],
    ["GEOSEARCHSTORE", "d", "geo", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km", "WITHHASH"],
    ["GEOSEARCHSTORE", "d", "geo", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km", "STORE", "x"],
    ["geosearchstore", "d", "geo", "BYRADIUS", "1", "km"],
    [
        "GEOSEARCHSTORE",
        "d",
        "geo",
        "FROMLONLAT",
        "1",
        "1",
        "BYRADIUS",
        "9000",
        "km",
        "STOREDIST",
        "COUNT",
        "4",
    ],
    ["GEOPOS", "str", "a"],
    ["GEOHASH", "str", "a"],
    ["GEODIST", "str", "a", "b"],
    ["GEOSEARCH", "str", "FROMLONLAT", "1", "100", "BYRADIUS", "1", "km"],
    ["GEORADIUSBYMEMBER", "str", "a", "-1", "km"],
]


@pytest.mark.real_redis
def test_edge_and_error_cases_match_redis(redis70: Resp) -> None:
    pair = Pair(redis70)
    members = _populate(pair, random.Random(99), "geo", 150)
    pair("SET", "str", "x")
    pair("ZADD", "geo", "-1", "neg", "1.5", "frac", "1e300", "huge", "4503599627370496", "top")
    for argv in ERROR_CASES:
        pair(*argv)
    pair("GEOPOS", "geo", "neg", "frac", "huge", "top", "hex", "zero")
    pair("GEOHASH", "geo", "neg", "frac", "huge", "top", "hex", "zero")
    pair("GEODIST", "geo", "neg", "top", "km")
    for member in ("neg", "frac", "huge", "top", members[0]):
        pair("GEORADIUSBYMEMBER", "geo", member, "500", "km", "WITHCOORD", "WITHDIST", "WITHHASH")


@pytest.mark.real_redis
def test_whole_world_searches_with_duplicated_boxes_match_redis(redis70: Resp) -> None:
    pair = Pair(redis70)
    rng = random.Random(7)
    for i in range(300):
        lon = repr(round(rng.uniform(-180, 180), 5))
        lat = repr(round(rng.uniform(geohash.GEO_LAT_MIN, geohash.GEO_LAT_MAX), 5))
        pair("GEOADD", "w", lon, lat, f"p{i}")
    for _ in range(150):
        lon = repr(round(rng.uniform(-180, 180), 3))
        lat = repr(round(rng.uniform(-85, 85), 3))
        radius = repr(round(rng.uniform(1000, 25000), 1))
        pair(
            "GEORADIUS",
            "w",
            lon,
            lat,
            radius,
            "km",
            *rng.choice([[], ["WITHDIST"], ["COUNT", "7"]]),
        )
        w, h = repr(round(rng.uniform(100, 40000), 1)), repr(round(rng.uniform(100, 40000), 1))
        pair("GEOSEARCH", "w", "FROMLONLAT", lon, lat, "BYBOX", w, h, "km", "WITHDIST")


@pytest.mark.real_redis
@pytest.mark.parametrize("size", [30, 200])
def test_ties_cut_by_count_come_out_in_redis_order(redis70: Resp, size: int) -> None:
    """Many members share a position: COUNT's partial quicksort (pqsort) and the full sort
    must leave equal distances in exactly Redis' order."""
    pair = Pair(redis70)
    rng = random.Random(size)
    spots = [
        (repr(round(rng.uniform(2, 3), 4)), repr(round(rng.uniform(45, 46), 4))) for _ in range(6)
    ]
    for i in range(size):
        lon, lat = rng.choice(spots)
        pair("GEOADD", "t", lon, lat, f"{rng.randrange(10**6)}-{i}")
    for count in [1, 2, 3, 5, 6, 7, 8, 13, 40, 41, 64, 150, 199, 250]:
        for order in (["ASC"], ["DESC"], []):
            lon, lat = rng.choice(spots)
            pair("GEORADIUS", "t", lon, lat, "200", "km", "COUNT", count, *order, "WITHDIST")
            pair(
                "GEOSEARCH",
                "t",
                "FROMLONLAT",
                lon,
                lat,
                "BYBOX",
                "300",
                "300",
                "km",
                "COUNT",
                count,
                *order,
            )
            pair(
                "GEOSEARCH",
                "t",
                "FROMLONLAT",
                lon,
                lat,
                "BYRADIUS",
                "300",
                "km",
                "COUNT",
                count,
                "ANY",
                *order,
            )
    pair("GEORADIUS", "t", "2.5", "45.5", "200", "km", "ASC")
    pair("GEORADIUS", "t", "2.5", "45.5", "200", "km", "DESC")

"""Geohash arithmetic as Redis does it (redis/src/geohash.c, geohash_helper.c), bit for bit.

A geo set is a sorted set whose scores are 52-bit geohashes: longitude and latitude are
each cut into 2**26 steps over Redis' ranges (±180, ±85.05112878, the Web Mercator limits)
and the two 26-bit offsets interleaved (latitude in the even bits). Searches cover the
area with the geohash box of the centre plus its eight neighbours, at a step chosen from
the radius, then filter the members found by exact distance (haversine on a sphere of
radius 6372797.560856 m) or, for boxes, by latitude and longitude distance.

Python floats are IEEE doubles and ``math`` calls the same libm as Redis, so with the same
operations in the same order the results are identical. C's conversions (double to
``uint64_t``/``uint32_t``, ``llrint``) are spelled out where Redis relies on them.

This is the arithmetic of Redis 7.2+/8.x: the meridian shortcut in ``distance``, the
latitude-first box test, distances rendered by ``fixedpoint_d2string``. Redis 7.0.15 (the
server the tests compare with) already computes all three this way; older 7.0 releases
printed distances with ``%.4f`` and used haversine throughout.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

from fakestash._engine.replies import format_double

GEO_STEP_MAX = 26
GEO_LAT_MIN = -85.05112878
GEO_LAT_MAX = 85.05112878
GEO_LONG_MIN = -180.0
GEO_LONG_MAX = 180.0

D_R = math.pi / 180.0
EARTH_RADIUS_IN_METERS = 6372797.560856
MERCATOR_MAX = 20037726.37

_U64 = (1 << 64) - 1
_EVEN = 0x5555555555555555
_ODD = 0xAAAAAAAAAAAAAAAA

#: Meters per unit, as GEODIST and the searches take them (case-insensitive names).
UNITS = {b"m": 1.0, b"km": 1000.0, b"ft": 0.3048, b"mi": 1609.34}

_GEOALPHABET = b"0123456789bcdefghjkmnpqrstuvwxyz"


class Bits(NamedTuple):
    """A geohash of ``step`` bits per coordinate (``GeoHashBits``). (0, 0) is "none"."""

    bits: int
    step: int


ZERO = Bits(0, 0)


class Area(NamedTuple):
    """The box a geohash covers (``GeoHashArea``)."""

    lon_min: float
    lon_max: float
    lat_min: float
    lat_max: float


class Range(NamedTuple):
    min: float
    max: float


WGS84_LONG = Range(GEO_LONG_MIN, GEO_LONG_MAX)
WGS84_LAT = Range(GEO_LAT_MIN, GEO_LAT_MAX)
STANDARD_LAT = Range(-90.0, 90.0)  # what GEOHASH re-encodes with


# ---- interleaving ----------------------------------------------------------------------------


def interleave64(xlo: int, ylo: int) -> int:
    """Bits of ``xlo`` in the even positions, of ``ylo`` in the odd ones (32-bit inputs)."""
    masks = (
        0x5555555555555555,
        0x3333333333333333,
        0x0F0F0F0F0F0F0F0F,
        0x00FF00FF00FF00FF,
        0x0000FFFF0000FFFF,
    )
    x, y = xlo & 0xFFFFFFFF, ylo & 0xFFFFFFFF
    for shift, mask in zip((16, 8, 4, 2, 1), reversed(masks)):
        x = (x | (x << shift)) & mask
        y = (y | (y << shift)) & mask
    return (x | (y << 1)) & _U64


def deinterleave64(interleaved: int) -> int:
    """The inverse: even bits in the low 32 bits of the result, odd bits in the high 32."""
    masks = (
        0x5555555555555555,
        0x3333333333333333,
        0x0F0F0F0F0F0F0F0F,
        0x00FF00FF00FF00FF,
        0x0000FFFF0000FFFF,
        0x00000000FFFFFFFF,
    )
    x = interleaved & _U64
    y = x >> 1
    for shift, mask in zip((0, 1, 2, 4, 8, 16), masks):
        x = (x | (x >> shift)) & mask
        y = (y | (y >> shift)) & mask
    return (x | (y << 32)) & _U64


# ---- encoding and decoding -------------------------------------------------------------------


def encode(lon_range: Range, lat_range: Range, lon: float, lat: float, step: int) -> Bits:
    """``geohashEncode``: the box of ``step`` bits per coordinate holding (lon, lat)."""
    lat_offset = (lat - lat_range.min) / (lat_range.max - lat_range.min)
    lon_offset = (lon - lon_range.min) / (lon_range.max - lon_range.min)
    lat_offset *= float(1 << step)
    lon_offset *= float(1 << step)
    return Bits(interleave64(int(lat_offset), int(lon_offset)), step)


def encode_wgs84(lon: float, lat: float, step: int = GEO_STEP_MAX) -> Bits:
    return encode(WGS84_LONG, WGS84_LAT, lon, lat, step)


def align52(hash_: Bits) -> int:
    """``geohashAlign52Bits``: the hash shifted to the top of 52 bits (a score)."""
    return (hash_.bits << (52 - hash_.step * 2)) & _U64


def score_of(lon: float, lat: float) -> int:
    """The sorted-set score GEOADD stores for a (valid) position."""
    return align52(encode_wgs84(lon, lat))


def decode(lon_range: Range, lat_range: Range, hash_: Bits) -> Area:
    """``geohashDecode``: the area a hash covers."""
    sep = deinterleave64(hash_.bits)
    lat_scale = lat_range.max - lat_range.min
    lon_scale = lon_range.max - lon_range.min
    ilato = sep & 0xFFFFFFFF
    ilono = sep >> 32
    div = float(1 << hash_.step)
    return Area(
        lon_range.min + (ilono * 1.0 / div) * lon_scale,
        lon_range.min + ((ilono + 1) * 1.0 / div) * lon_scale,
        lat_range.min + (ilato * 1.0 / div) * lat_scale,
        lat_range.min + ((ilato + 1) * 1.0 / div) * lat_scale,
    )


def score_bits(score: float) -> int:
    """C's ``(uint64_t)score`` on x86-64 (what gcc emits): truncation toward zero, negative
    values wrapping, and 2**63 (or 0 above 2**64) for what does not fit."""
    if math.isnan(score):
        return 1 << 63
    if score >= 2.0**63:
        return 0 if score >= 2.0**64 else int(score)
    if score <= -(2.0**63) - 1:
        return 1 << 63
    return int(score) & _U64


def decode_score(score: float) -> tuple[float, float]:
    """``decodeGeohash``: a member's (longitude, latitude) from its score, clamped to the
    valid ranges as Redis clamps them (any score decodes to something)."""
    area = decode(WGS84_LONG, WGS84_LAT, Bits(score_bits(score), GEO_STEP_MAX))
    lon = (area.lon_min + area.lon_max) / 2
    lon = min(max(lon, GEO_LONG_MIN), GEO_LONG_MAX)
    lat = (area.lat_min + area.lat_max) / 2
    lat = min(max(lat, GEO_LAT_MIN), GEO_LAT_MAX)
    return lon, lat


def geohash_string(lon: float, lat: float) -> bytes:
    """GEOHASH's 11 characters: re-encoded over the standard ±90 latitude range, the last
    character always ``0`` (only 52 bits exist)."""
    bits = encode(WGS84_LONG, STANDARD_LAT, lon, lat, GEO_STEP_MAX).bits
    out = bytearray()
    for i in range(10):
        out.append(_GEOALPHABET[(bits >> (52 - (i + 1) * 5)) & 0x1F])
    out.append(_GEOALPHABET[0])
    return bytes(out)


# ---- neighbours ------------------------------------------------------------------------------


def _move_x(hash_: Bits, d: int) -> Bits:
    if d == 0:
        return hash_
    x = hash_.bits & _ODD
    y = hash_.bits & _EVEN
    zz = _EVEN >> (64 - hash_.step * 2)
    x = (x + (zz + 1) if d > 0 else (x | zz) - (zz + 1)) & _U64
    x &= _ODD >> (64 - hash_.step * 2)
    return Bits(x | y, hash_.step)


def _move_y(hash_: Bits, d: int) -> Bits:
    if d == 0:
        return hash_
    x = hash_.bits & _ODD
    y = hash_.bits & _EVEN
    zz = _ODD >> (64 - hash_.step * 2)
    y = (y + (zz + 1) if d > 0 else (y | zz) - (zz + 1)) & _U64
    y &= _EVEN >> (64 - hash_.step * 2)
    return Bits(x | y, hash_.step)


@dataclass
class Neighbors:
    """The eight boxes around a hash (``GeoHashNeighbors``)."""

    north: Bits
    south: Bits
    east: Bits
    west: Bits
    north_east: Bits
    north_west: Bits
    south_east: Bits
    south_west: Bits


def neighbors(hash_: Bits) -> Neighbors:
    """``geohashNeighbors``."""
    return Neighbors(
        north=_move_y(hash_, 1),
        south=_move_y(hash_, -1),
        east=_move_x(hash_, 1),
        west=_move_x(hash_, -1),
        north_east=_move_y(_move_x(hash_, 1), 1),
        north_west=_move_y(_move_x(hash_, -1), 1),
        south_east=_move_y(_move_x(hash_, 1), -1),
        south_west=_move_y(_move_x(hash_, -1), -1),
    )


# ---- distances -------------------------------------------------------------------------------


def deg_rad(ang: float) -> float:
    return ang * D_R


def rad_deg(ang: float) -> float:
    return ang / D_R


def lat_distance(lat1d: float, lat2d: float) -> float:
    """``geohashGetLatDistance`` (7.2+): the distance along a meridian."""
    return EARTH_RADIUS_IN_METERS * math.fabs(deg_rad(lat2d) - deg_rad(lat1d))


def _haversine(lat1r: float, lat2r: float, v: float) -> float:
    u = math.sin((lat2r - lat1r) / 2)
    a = u * u + math.cos(lat1r) * math.cos(lat2r) * v * v
    try:
        return 2.0 * EARTH_RADIUS_IN_METERS * math.asin(math.sqrt(a))
    except ValueError:  # a rounded above 1: C's asin gives NaN (-nan on glibc)
        return -math.nan


def distance(lon1d: float, lat1d: float, lon2d: float, lat2d: float) -> float:
    """``geohashGetDistance`` (7.2+): haversine, or the meridian distance when the
    longitudes are the same."""
    lon1r = deg_rad(lon1d)
    lon2r = deg_rad(lon2d)
    v = math.sin((lon2r - lon1r) / 2)
    if v == 0.0:
        return lat_distance(lat1d, lat2d)
    return _haversine(deg_rad(lat1d), deg_rad(lat2d), v)


def in_rectangle(
    width_m: float, height_m: float, x1: float, y1: float, x2: float, y2: float
) -> float | None:
    """``geohashGetDistanceIfInRectangle`` (7.2+): the distance from the centre (x1, y1) if
    (x2, y2) is within half the height north/south and half the width east/west of it."""
    if lat_distance(y2, y1) > height_m / 2:
        return None
    if distance(x2, y2, x1, y2) > width_m / 2:
        return None
    return distance(x1, y1, x2, y2)


# ---- rendering -------------------------------------------------------------------------------


def format_distance(d: float) -> bytes:
    """``addReplyDoubleDistance`` (7.2+): ``fixedpoint_d2string(d, 4)``, i.e. ``llrint(d *
    10000)`` written with four decimals."""
    if math.isnan(d) or abs(d * 1e4) >= 2.0**63:
        return b"-922337203685477.5808"  # llrint overflows to LLONG_MIN
    if d == 0:
        return b"0.0000"
    scaled = round(d * 1e4)
    sign = "-" if scaled < 0 else ""
    whole, frac = divmod(abs(scaled), 10000)
    return f"{sign}{whole}.{frac:04d}".encode()


def format_coordinate(value: float) -> bytes:
    """A coordinate as Redis 8.2 replies with it: a double in its shortest round-trip form
    (``13.361389338970184``, ``2.682209014892578e-6``), like any double reply. Redis 7.x
    used ``addReplyHumanLongDouble`` (``%.17Lf`` trimmed: ``13.36138933897018433``);
    observed on redis-server 7.0.15 and 8.2.3 (``geo-coordinates`` in
    ``fakestash.deviations.VERSION_CHOICES``)."""
    return format_double(value)


# ---- search areas ----------------------------------------------------------------------------

CIRCLE, BOX = "circle", "box"


@dataclass
class Shape:
    """``GeoShape``: a centre, a radius or a box (in ``conversion`` meters per unit)."""

    lon: float = 0.0
    lat: float = 0.0
    kind: str = CIRCLE
    radius: float = 0.0
    width: float = 0.0
    height: float = 0.0
    conversion: float = 1.0
    bounds: tuple[float, float, float, float] = field(default=(0.0, 0.0, 0.0, 0.0))

    def contains(self, lon: float, lat: float) -> float | None:
        """``geoWithinShape``: the distance from the centre in meters, if inside."""
        if self.kind == CIRCLE:
            d = distance(self.lon, self.lat, lon, lat)
            return None if d > self.radius * self.conversion else d
        return in_rectangle(
            self.width * self.conversion,
            self.height * self.conversion,
            self.lon,
            self.lat,
            lon,
            lat,
        )


def estimate_steps_by_radius(range_meters: float, lat: float) -> int:
    """``geohashEstimateStepsByRadius``: the step whose boxes suit the radius."""
    if range_meters == 0:
        return 26
    step = 1
    while range_meters < MERCATOR_MAX:
        range_meters *= 2
        step += 1
    step -= 2
    if lat > 66 or lat < -66:
        step -= 1
        if lat > 80 or lat < -80:
            step -= 1
    return min(max(step, 1), 26)


def bounding_box(shape: Shape) -> tuple[float, float, float, float]:
    """``geohashBoundingBox``: (min lon, min lat, max lon, max lat) of the search area."""
    lon, lat = shape.lon, shape.lat
    circle = shape.kind == CIRCLE
    height = shape.conversion * (shape.radius if circle else shape.height / 2)
    width = shape.conversion * (shape.radius if circle else shape.width / 2)
    lat_delta = rad_deg(height / EARTH_RADIUS_IN_METERS)
    long_delta_top = rad_deg(width / EARTH_RADIUS_IN_METERS / _cos(deg_rad(lat + lat_delta)))
    long_delta_bottom = rad_deg(width / EARTH_RADIUS_IN_METERS / _cos(deg_rad(lat - lat_delta)))
    long_delta = long_delta_bottom if lat < 0 else long_delta_top
    return lon - long_delta, lat - lat_delta, lon + long_delta, lat + lat_delta


def _cos(x: float) -> float:
    return math.nan if math.isinf(x) else math.cos(x)


def areas(shape: Shape) -> list[Bits]:
    """``geohashCalculateAreasByShapeWGS84``: the centre box and its eight neighbours, in
    the order Redis walks them (centre, N, S, E, W, NE, NW, SE, SW); useless ones ZERO."""
    min_lon, min_lat, max_lon, max_lat = shape.bounds = bounding_box(shape)
    if shape.kind == CIRCLE:
        radius_meters = shape.radius
    else:
        half_w, half_h = shape.width / 2, shape.height / 2
        radius_meters = math.sqrt(half_w * half_w + half_h * half_h)
    radius_meters *= shape.conversion
    steps = estimate_steps_by_radius(radius_meters, shape.lat)
    hash_ = encode(WGS84_LONG, WGS84_LAT, shape.lon, shape.lat, steps)
    around = neighbors(hash_)
    north = decode(WGS84_LONG, WGS84_LAT, around.north)
    south = decode(WGS84_LONG, WGS84_LAT, around.south)
    east = decode(WGS84_LONG, WGS84_LAT, around.east)
    west = decode(WGS84_LONG, WGS84_LAT, around.west)
    decrease = (
        north.lat_max < max_lat
        or south.lat_min > min_lat
        or east.lon_max < max_lon
        or west.lon_min > min_lon
    )
    if steps > 1 and decrease:
        steps -= 1
        hash_ = encode(WGS84_LONG, WGS84_LAT, shape.lon, shape.lat, steps)
        around = neighbors(hash_)
    area = decode(WGS84_LONG, WGS84_LAT, hash_)
    if steps >= 2:
        if area.lat_min < min_lat:
            around.south = around.south_west = around.south_east = ZERO
        if area.lat_max > max_lat:
            around.north = around.north_east = around.north_west = ZERO
        if area.lon_min < min_lon:
            around.west = around.south_west = around.north_west = ZERO
        if area.lon_max > max_lon:
            around.east = around.south_east = around.north_east = ZERO
    return [
        hash_,
        around.north,
        around.south,
        around.east,
        around.west,
        around.north_east,
        around.north_west,
        around.south_east,
        around.south_west,
    ]


def score_span(box: Bits) -> tuple[int, int]:
    """``scoresOfGeoHashBox``: scores min (included) to max (excluded) of a box."""
    return align52(box), align52(Bits(box.bits + 1, box.step))

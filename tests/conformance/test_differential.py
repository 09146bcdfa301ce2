"""Differential: every shipped command family against Redis 7.0 and Redis 8.2, through the
REST face, as ``fakestash conformance redis://… --exclusive`` runs it (sequences drawn by
hypothesis here, so a difference shrinks)."""

from __future__ import annotations

import pytest

from fakestash._conformance.families import FAMILIES
from tests.conformance.conftest import RedisEndpoint
from tests.conformance.sequences import check_family


@pytest.mark.timeout(600)
@pytest.mark.parametrize("family", list(FAMILIES))
def test_family_matches_redis(redis_endpoint: RedisEndpoint, family: str) -> None:
    since = FAMILIES[family].since
    if since is not None and not redis_endpoint.at_least(since):
        pytest.skip(f"Redis {redis_endpoint.version} predates the {family} family ({since})")
    session = redis_endpoint.session()
    check_family(family, session)
    assert session.other.commands > 0

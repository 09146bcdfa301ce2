"""Same seed, same commands → byte-identical responses, in any process, any hash seed."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import hashlib, httpx
    from fakestash import FakeStash, ManualClock
    from fakestash._engine.registry import Registry

    stash = FakeStash(seed=42, clock=ManualClock(1_700_000_000))
    client = httpx.Client(transport=stash.transport(), base_url=stash.url,
                          headers={"Authorization": "Bearer " + stash.token})
    commands = [
        ["MSET"] + [x for i in range(60) for x in (f"key:{i}", str(i))],
        ["SADD", "s"] + [f"m{i}" for i in range(40)],
        ["HSET", "h"] + [x for i in range(30) for x in (f"f{i}", str(i))],
        ["ZADD", "z"] + [x for i in range(30) for x in (str(i % 7), f"z{i}")],
        ["RPUSH", "l"] + [f"e{i}" for i in range(20)],
        ["KEYS", "*"], ["SCAN", "0", "COUNT", "7"], ["RANDOMKEY"], ["RANDOMKEY"],
        ["SMEMBERS", "s"], ["SRANDMEMBER", "s", "-5"], ["SPOP", "s", "3"], ["SSCAN", "s", "0"],
        ["HGETALL", "h"], ["HRANDFIELD", "h", "-4", "WITHVALUES"], ["HSCAN", "h", "0"],
        ["ZRANGE", "z", "0", "-1", "WITHSCORES"], ["ZRANDMEMBER", "z", "-3"],
        ["SUNION", "s", "s"], ["SINTER", "s"], ["SDIFF", "s"],
    ]
    digest = hashlib.sha256()
    for argv in commands:
        if argv[0].lower() not in Registry.default():
            continue
        for path in ("/", "/pipeline"):
            body = argv if path == "/" else [argv]
            digest.update(client.post(path, json=body).content)
    print(digest.hexdigest())
    """
)


def run_with_hash_seed(seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


def test_responses_are_identical_across_processes_and_hash_seeds() -> None:
    first = run_with_hash_seed("1")
    second = run_with_hash_seed("2")
    assert len(first) == 64
    assert first == second


def test_two_servers_with_one_seed_agree_and_random_choices_vary() -> None:
    from fakestash import FakeStash

    def random_keys(seed: int) -> list[object]:
        stash = FakeStash(seed=seed)
        stash.execute("MSET", *[x for i in range(50) for x in (f"k{i}", "v")])
        return [stash.execute("RANDOMKEY") for _ in range(10)]

    assert random_keys(3) == random_keys(3)
    assert len(set(random_keys(3))) > 1

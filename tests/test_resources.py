from __future__ import annotations

import json

import pytest

from flyte_nb.exceptions import FlyteValidationException
from flyte_nb.tasks._resources import Resources, parse_cpu, parse_gpu, parse_memory


@pytest.mark.parametrize(
    ("value", "cores"),
    [
        (1, 1.0),
        (0.5, 0.5),
        (0, 0.0),
        ("1", 1.0),
        ("0.5", 0.5),
        ("100m", 0.1),
        ("1500m", 1.5),
        (".25", 0.25),
        (" 2 ", 2.0),
    ],
)
def test_parse_cpu_table(value: object, cores: float) -> None:
    assert parse_cpu(value) == pytest.approx(cores)


@pytest.mark.parametrize(
    ("value", "size"),
    [
        (1024, 1024),
        ("2048", 2048),
        ("1k", 1000),
        ("1M", 10**6),
        ("2G", 2 * 10**9),
        ("1T", 10**12),
        ("1P", 10**15),
        ("1E", 10**18),
        ("1Ki", 1024),
        ("1Mi", 2**20),
        ("2Gi", 2 * 2**30),
        ("1Ti", 2**40),
        ("1Pi", 2**50),
        ("1Ei", 2**60),
        ("1.5Ki", 1536),
        ("0.5Gi", 2**29),
        ("1.0001k", 1001),  # fractions round up to the next byte
        (1.5, 2),
    ],
)
def test_parse_memory_table(value: object, size: int) -> None:
    assert parse_memory(value) == size
    assert isinstance(parse_memory(value), int)


@pytest.mark.parametrize(("value", "count"), [(0, 0), (1, 1), (8, 8), ("2", 2)])
def test_parse_gpu_table(value: object, count: int) -> None:
    assert parse_gpu(value) == count


@pytest.mark.parametrize(
    ("kwargs", "fragments"),
    [
        ({"cpu": "abc"}, ["cpu='abc'", "not a CPU quantity", "500m"]),
        ({"cpu": "1Gi"}, ["cpu='1Gi'", "not a CPU quantity"]),
        ({"cpu": -1}, ["cpu=-1", "negative", "Resources(cpu="]),
        ({"cpu": "-1"}, ["cpu='-1'", "negative"]),
        ({"cpu": float("nan")}, ["cpu=nan", "finite"]),
        ({"cpu": True}, ["cpu=True", "expected a number of cores"]),
        ({"cpu": None.__class__}, ["cpu=<class 'NoneType'>", "expected"]),
        (
            {"mem": "2GB"},
            ["mem='2GB'", "unknown unit 'GB'", "'2G' or '2Gi'", 'Resources(mem="2Gi")'],
        ),
        ({"mem": "1gi"}, ["mem='1gi'", "'1Gi'"]),
        ({"mem": "1K"}, ["mem='1K'", "'1k' or '1Ki'"]),
        ({"mem": "100m"}, ["mem='100m'", "milli", "'Mi'"]),
        ({"mem": "2 bananas"}, ["mem='2 bananas'", "not a memory quantity"]),
        ({"mem": -5}, ["mem=-5", "negative"]),
        ({"mem": "-1Gi"}, ["mem='-1Gi'", "negative"]),
        ({"mem": [1]}, ["mem=[1]", "exactly 2 items, got 1"]),
        ({"mem": ("1Gi", "2Gi", "3Gi")}, ["exactly 2 items, got 3", 'Resources(mem="2Gi")']),
        (
            {"mem": ("2Gi", "1Gi")},
            ["mem=('2Gi', '1Gi')", "request '2Gi' is larger than the limit '1Gi'"],
        ),
        ({"cpu": ("2", "1")}, ["request '2' is larger than the limit '1'"]),
        ({"cpu": (None, "2")}, ["cpu=None", "expected"]),
        ({"gpu": 1.5}, ["gpu=1.5", "whole number", "Resources(gpu=1)"]),
        ({"gpu": "two"}, ["gpu='two'", "whole number"]),
        ({"gpu": -1}, ["gpu=-1", "negative"]),
        ({"gpu": (2, 1)}, ["larger than the limit"]),
        (
            {"ephemeral_storage": "10GiB"},
            ["ephemeral_storage='10GiB'", "'10Gi'", "ephemeral_storage="],
        ),
        ({"ephemeral_storage": {}}, ["ephemeral_storage={}", "expected bytes"]),
    ],
)
def test_bad_inputs_raise_clear_errors(kwargs: dict[str, object], fragments: list[str]) -> None:
    with pytest.raises(FlyteValidationException) as info:
        Resources(**kwargs)  # type: ignore[arg-type]
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    assert "Example:" in message
    assert isinstance(info.value, ValueError)


def test_single_value_is_request_and_limit() -> None:
    r = Resources(cpu="500m", mem="1Gi", gpu=1, ephemeral_storage="10G")
    expected = {"cpu": 0.5, "mem": 2**30, "gpu": 1, "ephemeral_storage": 10 * 10**9}
    assert r.requests() == expected
    assert r.limits() == expected


def test_tuple_and_list_are_request_limit() -> None:
    r = Resources(cpu=("1", "2"), mem=["1Gi", "2Gi"], gpu=(0, 1))
    assert r.requests() == {"cpu": 1.0, "mem": 2**30, "gpu": 0}
    assert r.limits() == {"cpu": 2.0, "mem": 2 * 2**30, "gpu": 1}
    assert r.mem == ("1Gi", "2Gi")  # lists become tuples so Resources stays hashable
    assert hash(r) == hash(Resources(cpu=("1", "2"), mem=("1Gi", "2Gi"), gpu=(0, 1)))


def test_equal_request_and_limit_allowed() -> None:
    assert Resources(cpu=("1", 1.0)).limits() == {"cpu": 1.0}


def test_unset_fields_are_omitted() -> None:
    r = Resources(mem=1024)
    assert r.requests() == {"mem": 1024}
    assert Resources().requests() == {}
    assert Resources().to_dict() == {}


def test_seed_examples() -> None:
    assert Resources(cpu="1", mem="2048").requests() == {"cpu": 1.0, "mem": 2048}
    assert Resources(cpu="100m", mem="2Gi").requests() == {"cpu": 0.1, "mem": 2 * 2**30}
    assert Resources(cpu=0.5, mem=1024).requests() == {"cpu": 0.5, "mem": 1024}
    assert Resources(ephemeral_storage="1Gi").limits() == {"ephemeral_storage": 2**30}
    r = Resources(cpu=("1", "2"), mem=1024)
    assert (r.requests()["cpu"], r.limits()["cpu"]) == (1.0, 2.0)
    assert r.requests()["mem"] == r.limits()["mem"] == 1024


def test_repr_shows_only_set_fields() -> None:
    assert repr(Resources()) == "Resources()"
    assert repr(Resources(cpu="1", mem=("1Gi", "2Gi"))) == "Resources(cpu='1', mem=('1Gi', '2Gi'))"


def test_dict_and_json_round_trip() -> None:
    r = Resources(cpu=("500m", 2), mem="2Gi", gpu="1", ephemeral_storage=["1Gi", "5Gi"])
    d = r.to_dict()
    assert d == {
        "cpu": ["500m", 2],
        "mem": "2Gi",
        "gpu": "1",
        "ephemeral_storage": ["1Gi", "5Gi"],
    }
    assert Resources.from_dict(d) == r
    text = r.to_json()
    assert json.loads(text) == d
    assert Resources.from_json(text) == r
    assert Resources.from_json(text.encode()) == r
    assert Resources.from_json(Resources(cpu=0.25).to_json()) == Resources(cpu=0.25)


def test_from_dict_rejects_unknown_and_non_dict() -> None:
    with pytest.raises(FlyteValidationException, match=r"unknown field\(s\) memroy.*valid fields"):
        Resources.from_dict({"memroy": "1Gi"})
    assert Resources.from_dict({"memory": "1Gi"}) == Resources(mem="1Gi")  # Flyte 2's name
    with pytest.raises(FlyteValidationException, match="expects a dict"):
        Resources.from_dict(["cpu"])  # type: ignore[arg-type]
    with pytest.raises(FlyteValidationException, match="not valid JSON"):
        Resources.from_json("{cpu")
    with pytest.raises(FlyteValidationException, match="expects a dict"):
        Resources.from_json("[1, 2]")
    with pytest.raises(FlyteValidationException, match="mem='lots'"):
        Resources.from_json('{"mem": "lots"}')


def test_merge_other_wins() -> None:
    base = Resources(cpu="1", mem="1Gi")
    merged = base.merge(Resources(mem=("2Gi", "4Gi"), gpu=1))
    assert merged == Resources(cpu="1", mem=("2Gi", "4Gi"), gpu=1)
    assert base == Resources(cpu="1", mem="1Gi")  # frozen: original untouched
    assert base.merge(Resources()) == base
    with pytest.raises(FlyteValidationException, match="must be a Resources"):
        base.merge({"cpu": 1})  # type: ignore[arg-type]


def test_frozen() -> None:
    r = Resources(cpu=1)
    with pytest.raises(AttributeError):
        r.cpu = 2  # type: ignore[misc]

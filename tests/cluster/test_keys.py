from __future__ import annotations

from pathlib import Path

import pytest

from diaryflow.cluster.keys import budget_key, model_key
from diaryflow.config.load import config_from_mapping


def test_a_tenant_s_own_key_wins(tmp_path: Path) -> None:
    config = config_from_mapping({"siliconflow": {"token": "sk-tenant"}}, tmp_path, env={})
    assert model_key(config, {"SILICONFLOW_API_KEY": "sk-cluster"}) == "sk-tenant"


def test_without_one_the_cluster_s_key_is_used(tmp_path: Path) -> None:
    config = config_from_mapping({"siliconflow": {"token": ""}}, tmp_path, env={})
    assert model_key(config, {"SILICONFLOW_API_KEY": " sk-cluster "}) == "sk-cluster"
    assert model_key(config, {}) is None
    assert model_key(config, {"SILICONFLOW_API_KEY": "  "}) is None


def test_budget_keys_are_stable_distinct_and_do_not_contain_the_secret() -> None:
    token = "secret_abcdefghijklmnopqrstuvwxyz0123456789"
    key = budget_key("flowus", token)
    assert key == budget_key("flowus", token) == budget_key("flowus", f"Bearer {token}")
    assert key.startswith("flowus:") and len(key) == len("flowus:") + 32
    assert token not in key and token[:8] not in key
    assert key != budget_key("flowus", token + "x")
    assert key.split(":")[1] != budget_key("model", token).split(":")[1]
    # A fixed value: budget keys must not change between releases or machines.
    assert budget_key("model", "sk-test") == "model:" + _expected_hmac("model", "sk-test")


def _expected_hmac(kind: str, secret: str) -> str:
    import hashlib
    import hmac

    label = b"diaryflow shared budget v1"
    return hmac.new(label, f"{kind}\0{secret}".encode(), hashlib.sha256).hexdigest()[:32]


def test_an_empty_secret_has_no_budget() -> None:
    with pytest.raises(ValueError, match="non-empty"):
        budget_key("flowus", "  ")

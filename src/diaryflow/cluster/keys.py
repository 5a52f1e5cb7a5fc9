"""Which model key a tenant's run uses, and the secret-free names its shared budgets go by."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from diaryflow.config.load import Config

ENV_MODEL_KEY = "SILICONFLOW_API_KEY"
# A fixed, public label: the names only need to be stable and not lead back to the secret.
_LABEL = b"diaryflow shared budget v1"
BUDGET_KEY_CHARS = 32  # 128 bits of the HMAC: no two secrets in practice share a budget


def model_key(tenant: Config, env: Mapping[str, str]) -> str | None:
    """The tenant's own ``[siliconflow] token`` if its config has one, else the cluster's
    ``SILICONFLOW_API_KEY`` from the workers' ``env``; None when neither is set.

    ``tenant`` must be loaded without the workers' environment (``env={}``), or the
    cluster's key would override the tenant's own."""
    if tenant.siliconflow.token is not None:
        own = tenant.siliconflow.token.get_secret_value().strip()
        if own:
            return own
    return env.get(ENV_MODEL_KEY, "").strip() or None


def budget_key(kind: str, secret: str) -> str:
    """A stable name for the budget of ``secret`` (a FlowUs token or a model key) that does
    not reveal it: HMAC-SHA256 under a fixed label, truncated. A FlowUs token's optional
    ``Bearer `` prefix does not change the name."""
    value = secret.strip()
    if value.lower().startswith("bearer "):
        value = value[7:].strip()
    if not value:
        raise ValueError("budget_key needs a non-empty secret")
    digest = hmac.new(_LABEL, f"{kind}\0{value}".encode(), hashlib.sha256).hexdigest()
    return f"{kind}:{digest[:BUDGET_KEY_CHARS]}"

"""``diaryflow check --online``: prove the FlowUs token, the diary database and the LLM key work."""

from __future__ import annotations

from typing import Any

from diaryflow.collect.discover import database_title, find_database, validate_date_property
from diaryflow.config.load import Config
from diaryflow.errors import FlowUsError, FlowUsUnauthorized
from diaryflow.export import flowus_client


def check_online(config: Config) -> list[str]:
    """Prove the token works and the diary database is readable; lines saying what was found."""
    with flowus_client(config) as client:
        try:
            me = client.me()
        except FlowUsUnauthorized as error:
            raise FlowUsUnauthorized(
                "the token was refused: check flowus.token (or FLOWUS_TOKEN)",
                status=error.status, code=error.code, request_id=error.request_id,
                method=error.method, path=error.path,
            ) from error
        lines = [f"FlowUs: token accepted (integration of {_user_name(me)})"]
        database = find_database(client, config.flowus.database_id, config.flowus.page_id)
        validate_date_property(database, config.flowus.date_property)
        first = next(iter(client.query_database(str(database["id"]), page_size=1)), None)
        lines.append(
            f"FlowUs: diary database 「{database_title(database)}」 ({database['id']}) is readable"
            + ("" if first else " but holds no entries")
        )
        if config.flowus.parent_page_id:
            try:
                client.get_page(config.flowus.parent_page_id)
                lines.append("FlowUs: report parent page flowus.parent_page_id is readable")
            except FlowUsError as error:
                lines.append(
                    f"FlowUs: flowus.parent_page_id cannot be read (HTTP {error.status}): "
                    "share that page with the integration"
                )
    return lines


def _user_name(me: dict[str, Any]) -> str:
    name = me.get("name")
    return name if isinstance(name, str) and name else str(me.get("id", "unknown user"))


def check_llm(config: Config) -> list[str]:
    """Prove the LLM key and base URL work and that the configured models are offered."""
    from diaryflow.config.load import uses_llm
    from diaryflow.llm.stream import list_models

    sf = config.siliconflow
    if sf.token is None or not uses_llm(config):
        return ["LLM: no siliconflow.token set: reports are offline digests (no AI)"]
    offered = list_models(sf.token.get_secret_value(), sf.base_url, min(sf.request_timeout, 30))
    lines = [f"LLM: {sf.base_url} accepted the key ({len(offered)} models offered)"]
    for model in (sf.model, *sf.fallback_models):
        if offered and model not in offered:
            lines.append(f"LLM: warning: model {model} is not in the service's list; check "
                         "siliconflow.model / siliconflow.fallback_models")
    return lines

"""The sections that say how to reach the two services: ``[flowus]`` and ``[siliconflow]``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import StrictBool, StrictInt, ValidationInfo, field_validator, model_validator

from diaryflow.config.fields import (
    HTTP,
    PAGE_ID,
    TOKEN,
    BaseUrl,
    Name,
    Number,
    OptionalName,
    PageId,
    PageUrl,
    Token,
    bool_field,
    int_field,
    invalid,
    number_field,
    page_id_from,
    text_field,
)
from diaryflow.config.section import Section


class FlowUsSettings(Section):
    """``[flowus]``: where the diary lives and how to reach the FlowUs API."""

    token: Token = text_field(None, TOKEN)
    url: PageUrl = text_field(
        None, "a FlowUs page URL like https://flowus.cn/<space>/<page-id>, or a page id"
    )
    page_id: PageId = text_field(None, PAGE_ID)
    parent_page_id: PageId = text_field(None, PAGE_ID)
    base_url: BaseUrl = text_field("https://api.flowus.cn", HTTP)
    database_id: PageId = text_field(None, "a FlowUs database id (UUID like 8-4-4-4-12 hex) or URL")
    date_property: OptionalName = text_field(None)
    prompt_from_page: StrictBool = bool_field(False)
    reads_per_minute: StrictInt = int_field(1000, ge=1)
    writes_per_minute: StrictInt = int_field(100, ge=1)
    concurrency: StrictInt = int_field(8, ge=1, le=64)
    request_timeout: Number = number_field(30.0, gt=0)

    @model_validator(mode="before")
    @classmethod
    def _page_from_url(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and data.get("page_id") is None and data.get("url"):
            return {**data, "page_id": data["url"]}
        return data

    @field_validator("base_url")
    @classmethod
    def _strip_version(cls, value: str) -> str:
        return value.removesuffix("/v1")  # paths are sent as /v1/...

    @model_validator(mode="after")
    def _url_matches_page_id(self) -> FlowUsSettings:
        if self.url is not None and page_id_from(self.url) != self.page_id:
            raise invalid(
                f"the same page as flowus.url ({page_id_from(self.url)})", field="page_id"
            )
        return self


class SiliconFlowSettings(Section):
    """``[siliconflow]``: the OpenAI-compatible LLM endpoint and model."""

    token: Token = text_field(None, TOKEN)
    model: Name = text_field("deepseek-ai/DeepSeek-V3", "a model id like deepseek-ai/DeepSeek-V3")
    base_url: BaseUrl = text_field("https://api.siliconflow.cn/v1", HTTP)
    fallback_models: tuple[Name, ...] = text_field((), 'a list of model ids like ["Qwen/Qwen3-8B"]')
    request_timeout: Number = number_field(600.0, gt=0)
    log_bodies: StrictBool = bool_field(False)
    context_tokens: StrictInt = int_field(65_536, ge=1024)

    @field_validator("base_url")
    @classmethod
    def _strip_endpoint(cls, value: str, info: ValidationInfo) -> str:
        if not value.endswith("/chat/completions"):
            return value
        fixed = value.removesuffix("/chat/completions")
        if isinstance(info.context, Mapping):
            info.context["warnings"].append(
                f"siliconflow.base_url ends in /chat/completions; using {fixed}"
            )
        return fixed

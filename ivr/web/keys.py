"""Typed keys of the web application's shared state."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from ivr.app import Switch

SWITCH: web.AppKey[Switch] = web.AppKey("switch")

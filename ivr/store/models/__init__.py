"""Every table of the switch. Import models from here; ``Base.metadata`` is the whole schema."""

from ivr.store.models.base import NAMING_CONVENTION, Archivable, Base
from ivr.store.models.calls import CALL_STATUSES, DATA_SOURCES, Call, RoutingAttempt
from ivr.store.models.config import (
    Buyer,
    Campaign,
    CampaignPublisher,
    CampaignTarget,
    ConfigState,
    Menu,
    MenuVersion,
    Publisher,
    Target,
    TrackingNumber,
)
from ivr.store.models.usage import PERIOD_KINDS, ROLES, TargetClaim, TargetUsage, User

__all__ = [
    "CALL_STATUSES",
    "DATA_SOURCES",
    "NAMING_CONVENTION",
    "PERIOD_KINDS",
    "ROLES",
    "Archivable",
    "Base",
    "Buyer",
    "Call",
    "Campaign",
    "CampaignPublisher",
    "CampaignTarget",
    "ConfigState",
    "Menu",
    "MenuVersion",
    "Publisher",
    "RoutingAttempt",
    "Target",
    "TargetClaim",
    "TargetUsage",
    "TrackingNumber",
    "User",
]

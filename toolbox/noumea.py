"""New Caledonia's time zone: UTC+11 all year (no daylight saving time). Every date a
customer reads and every rule is a Nouméa date."""

from zoneinfo import ZoneInfo

NOUMEA = ZoneInfo("Pacific/Noumea")

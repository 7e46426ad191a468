from django import template

register = template.Library()

NBSP = "\u00a0"


@register.filter
def xpf(amount: int | None) -> str:
    """4500 → "4 500 F" (no-break spaces, so the amount never wraps)."""
    if amount is None:
        return ""
    return f"{int(amount):,}".replace(",", NBSP) + NBSP + "F"

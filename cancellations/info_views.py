from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from cancellations.calendar import current_calendar
from rules import add_months, month_end_deadline
from toolbox.noumea import NOUMEA


def how_it_works(request: HttpRequest) -> HttpResponse:
    """The rules in plain words, with this month's and next month's deadlines."""
    calendar = current_calendar()
    now = timezone.now()
    today = now.astimezone(NOUMEA).date()
    months = []
    for first in (today.replace(day=1), add_months(today.replace(day=1), 1)):
        deadline = month_end_deadline(first.year, first.month, calendar)
        months.append({"month": first, "deadline": deadline, "passed": now > deadline})
    holidays = [
        (day, name)
        for year in (today.year, today.year + 1)
        for day, name in calendar.holidays(year).items()
        if day >= today and day.weekday() < 5
    ][:4]
    return render(
        request,
        "cancellations/how_it_works.html",
        {"months": months, "today": today, "upcoming_holidays": holidays},
    )


def phone_line(request: HttpRequest) -> HttpResponse:
    """Step 3: ending the phone line itself is done with the operator, not with us."""
    return render(
        request, "cancellations/phone_line.html", {"summary": {"wants_phone_line_ended": True}}
    )

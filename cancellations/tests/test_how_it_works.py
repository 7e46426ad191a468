import re
from datetime import datetime

import pytest
import time_machine
from django.test import Client

from toolbox.noumea import NOUMEA

pytestmark = pytest.mark.django_db
URL = "/comment-ca-marche/"


def test_the_page_shows_this_and_next_months_deadlines_in_french(db: None) -> None:
    with time_machine.travel(datetime(2026, 10, 20, 10, tzinfo=NOUMEA), tick=False):
        page = Client().get(URL).content.decode()
    assert "Aucun frais de résiliation" in page
    assert "tout mois commencé est dû" in page
    assert "vendredi 30 octobre 2026" in page
    assert "lundi 30 novembre 2026" in page
    assert "Cette échéance est passée" not in page


def test_the_page_says_when_this_months_deadline_has_passed(db: None) -> None:
    with time_machine.travel(datetime(2026, 10, 31, 0, 30, tzinfo=NOUMEA), tick=False):
        page = Client().get(URL).content.decode()
    assert "Cette échéance est passée" in page


def test_the_page_is_in_english_when_asked(db: None) -> None:
    with time_machine.travel(datetime(2026, 10, 20, 10, tzinfo=NOUMEA), tick=False):
        page = Client(headers={"accept-language": "en"}).get(URL).content.decode()
    assert "No cancellation fee" in page
    assert "Friday 30 October 2026" in page


def test_the_phone_line_page_gives_the_operators_ways(db: None, settings: object) -> None:
    settings.RESILIA_OPERATOR_PHONE = "1000"  # type: ignore[attr-defined]
    page = Client().get("/ligne-telephonique/").content.decode()
    assert "par téléphone : 1000" in page
    assert (
        "le formulaire de résiliation de l&#x27;OPT/Helia" in page
        or "formulaire de résiliation de l'OPT/Helia" in page
    )
    assert "au guichet" in page


def test_the_holidays_are_listed_in_order_with_their_year_on_every_load(db: None) -> None:
    from cancellations.calendar import forget_calendar

    pages = []
    with time_machine.travel(datetime(2026, 11, 26, 10, tzinfo=NOUMEA), tick=False):
        for _ in range(2):
            forget_calendar()  # a fresh process, as after a deploy
            pages.append(Client().get("/comment-ca-marche/").content.decode())
    listed, again = (
        re.search(r"Prochains jours fériés[^:]*:\s*(.*?)\.</p>", p, re.S) for p in pages
    )
    assert listed is not None and again is not None
    assert listed.group(1) == again.group(1)
    text = listed.group(1)
    assert "vendredi 25 décembre 2026 (Noël)" in text
    assert text.index("25 décembre 2026") < text.index("1 janvier 2027")

from datetime import datetime

import pytest
import time_machine
from django.test import Client

from cancellations.rules import NOUMEA

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

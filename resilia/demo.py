"""A demo ISP: a few hundred customers, generated the same way every time."""

import random
from datetime import date, timedelta

DEMO_PASSWORD = "resilia-demo"
DEMO_CUSTOMERS = {
    # client code: what the README says about them
    "C100001": "Alice Wayaridri — two subscriptions, one over an OPTimo line, mailboxes",
    "C100002": "Bob Tein — one subscription (must never see Alice's)",
}
STAFF = {
    "agent": ("resilia-agent", "agent"),
    "superviseur": ("resilia-superviseur", "supervisor"),
}

PLANS = [
    ("ADSL Confort", 4500),
    ("VDSL 50", 5900),
    ("Fibre 100", 6900),
    ("Fibre 500", 9900),
    ("Fibre 1 Giga", 12900),
]
FIRST = [
    "Marie",
    "Jean",
    "Sarah",
    "Kévin",
    "Léa",
    "Hugo",
    "Manon",
    "Noah",
    "Chloé",
    "Enzo",
    "Wanda",
    "Yoann",
    "Ilona",
    "Teva",
    "Soane",
    "Malia",
    "Mathis",
    "Inès",
    "Lucas",
    "Jade",
]
LAST = [
    "Dupont",
    "Wamytan",
    "Gope",
    "Naisseline",
    "Martin",
    "Lefèvre",
    "Tuihani",
    "Kaloi",
    "Nguyen",
    "Moreau",
    "Boéhé",
    "Ounou",
    "Petit",
    "Laurent",
    "Hnawia",
    "Falelavaki",
    "Bernard",
    "Roux",
    "Trolue",
    "Wénisso",
]

HEADER = (
    "client_code,name,email,phone,language,plan,monthly_price_xpf,subscription_ref,"
    "started_on,access_line,line_holder,mailboxes"
)


def _row(*values: object) -> str:
    return ",".join(f'"{v}"' if "," in str(v) else str(v) for v in values)


def demo_csv(count: int = 300, seed: int = 687) -> str:
    """The demo customers as the billing system's CSV (the importer loads it)."""
    rng = random.Random(seed)
    lines = [
        HEADER,
        _row(
            "C100001",
            "Alice Wayaridri",
            "alice@example.nc",
            "75.12.34",
            "fr",
            "Fibre 100",
            6900,
            "SUB-100001-1",
            "2021-03-15",
            "254318",
            "Alice Wayaridri",
            "alice@mls.nc famille.wayaridri@mls.nc",
        ),
        _row(
            "C100001",
            "Alice Wayaridri",
            "alice@example.nc",
            "75.12.34",
            "fr",
            "ADSL Confort",
            4500,
            "SUB-100001-2",
            "2023-09-01",
            "",
            "",
            "",
        ),
        _row(
            "C100002",
            "Bob Tein",
            "bob@example.nc",
            "78.55.10",
            "en",
            "VDSL 50",
            5900,
            "SUB-100002-1",
            "2022-06-20",
            "287741",
            "Bob Tein",
            "bob@mls.nc",
        ),
    ]
    for index in range(3, count + 1):
        code = f"C{100000 + index}"
        first, last = rng.choice(FIRST), rng.choice(LAST)
        name = f"{first} {last}"
        email = f"{first}.{last}.{index}@example.nc".lower().replace("é", "e").replace("è", "e")
        language = "en" if rng.random() < 0.1 else "fr"
        phone = f"{rng.randrange(70, 99)}.{rng.randrange(10, 99)}.{rng.randrange(10, 99)}"
        for sub_index in range(1, 3 if rng.random() < 0.15 else 2):
            plan, price = rng.choice(PLANS)
            started = date(2015, 1, 1) + timedelta(days=rng.randrange(0, 11 * 365))
            has_line = rng.random() < 0.6
            line = f"2{rng.randrange(10000, 99999)}" if has_line else ""
            holder = (
                (name if rng.random() < 0.85 else f"{rng.choice(FIRST)} {last}") if line else ""
            )
            boxes = ""
            if rng.random() < 0.5:
                boxes = f"{first}.{last}{index}{sub_index}@mls.nc".lower()
                boxes = boxes.replace("é", "e").replace("è", "e")
            lines.append(
                _row(
                    code,
                    name,
                    email,
                    phone,
                    language,
                    plan,
                    price,
                    f"SUB-{100000 + index}-{sub_index}",
                    started.isoformat(),
                    line,
                    holder,
                    boxes,
                )
            )
    return "\n".join(lines) + "\n"

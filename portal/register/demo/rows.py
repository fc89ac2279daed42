"""The rows of the demo register, customer by customer, from one seeded random generator.

The same seed, ``today`` and sizes give the same rows on every database and every machine: ids are
assigned here, never by the database, and nothing reads the clock.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cache

from . import people

FIRST_CUSTOMER_NUMBER = 10001
AINO_EMAIL = "aino.virtanen@example.com"
PLANS = {
    "Webhotelli S": Decimal("4.90"),
    "Webhotelli M": Decimal("9.90"),
    "Webhotelli L": Decimal("19.90"),
    "Sähköposti Pro": Decimal("3.50"),
    "VPS 2 GB": Decimal("24.00"),
}
DOMAIN_FEE = Decimal("15.00")
# Finland's general VAT rate rose from 24 % to 25.5 % on 1 September 2024 (laki 1/2024).
VAT_CHANGE = date(2024, 9, 1)


def vat_percent(on: date) -> Decimal:
    return Decimal("25.5") if on >= VAT_CHANGE else Decimal("24.0")


@cache  # a handful of plans, quantities and rates, asked for a million times at full size
def line_total(plan: str, quantity: int, vat: Decimal) -> Decimal:
    """A line's amount with VAT, to the cent."""
    return (PLANS[plan] * quantity * (1 + vat / 100)).quantize(Decimal("0.01"))


class Generator:
    """Makes each customer's rows in every table; ``next_rows(i)`` for the i-th customer."""

    def __init__(self, rng: random.Random, today: date, invoices_per_customer: int) -> None:
        self.rng = rng
        self.today = today
        self.invoices_per_customer = invoices_per_customer
        self.emails: set[str] = set()
        self.usernames: set[str] = set()
        self.domains: set[str] = set()
        self.next_id = {"panel_users": 1, "services": 1, "orders": 1, "invoices": 1, "lines": 1}

    def take_id(self, table: str) -> int:
        value = self.next_id[table]
        self.next_id[table] = value + 1
        return value

    # The people the README's walkthrough and the tests name ----------------------------------

    def fixed_customers(self) -> Iterator[dict[str, list[dict]]]:
        """Aino Virtanen (10001), a company whose contact person is someone else (10002), and a
        person with a name like Aino's but another address (10003): so a test can show that
        finding Aino brings nobody else's rows."""
        year = self.today.year
        aino = self.customer_row(
            1,
            kind="person",
            name="Aino Virtanen",
            email=AINO_EMAIL,
            address=("Koivukuja 3 B 12", "33100", "Tampere"),
            created_on=date(year - 8, 2, 1),
            marketing_allowed=True,
        )
        yield self.rows_for(
            aino,
            username="ainov",
            services=[
                ("ainovirtanen.example", "Webhotelli M", date(year - 8, 2, 1), None),
                (
                    "ainonvalokuvat.example",
                    "Webhotelli S",
                    date(year - 4, 3, 1),
                    date(year - 2, 2, 28),
                ),
            ],
            # The first is past the Accounting Act's six years (kept only to the end of its
            # year + 6, Kirjanpitolaki 2:10 §), the others within them.
            invoice_dates=[
                date(year - 7, 3, 15),
                date(year - 4, 3, 15),
                date(year - 1, 3, 15),
                self.today - timedelta(days=20),
            ],
        )
        company = self.customer_row(
            2,
            kind="company",
            name="Järvi Design Oy",
            business_id="2345678-" + str(people.business_id_check_digit("2345678")),
            contact_name="Mikko Laine",
            email="mikko.laine@example.org",
            address=("Asemankatu 8", "00100", "Helsinki"),
            created_on=date(year - 5, 9, 1),
            marketing_allowed=False,
        )
        yield self.rows_for(
            company,
            username="jarvidesign",
            services=[("jarvidesign.example", "Webhotelli L", date(year - 5, 9, 1), None)],
            invoice_dates=[date(year - 5, 9, 15), date(year - 2, 9, 15), date(year - 1, 9, 15)],
        )
        namesake = self.customer_row(
            3,
            kind="person",
            name="Aino Virtanen-Koski",
            email="aino.virtanen-koski@example.net",
            address=("Rantatie 18", "20100", "Turku"),
            created_on=date(year - 3, 6, 1),
            marketing_allowed=False,
        )
        yield self.rows_for(
            namesake,
            username="ainovk",
            services=[("virtanenkoski.example", "Webhotelli S", date(year - 3, 6, 1), None)],
            invoice_dates=[date(year - 3, 6, 15), date(year - 2, 6, 15), date(year - 1, 6, 15)],
        )

    # Everyone else ---------------------------------------------------------------------------

    def random_customer(self, index: int) -> dict[str, list[dict]]:
        rng = self.rng
        created_on = self.today - timedelta(days=rng.randint(30, 8 * 365))
        is_company = rng.random() < 0.2
        first, last = people.person_name(rng)
        while f"{first} {last}" == "Aino Virtanen":
            first, last = people.person_name(rng)
        local = f"{people.ascii_slug(first)}.{people.ascii_slug(last)}"
        domain = rng.choice(people.MAIL_DOMAINS)
        email = people.unique(f"{local}@{domain}", self.emails, lambda n: f"{local}{n}@{domain}")
        if is_company:
            company = people.company_name(rng)
            row = self.customer_row(
                index,
                kind="company",
                name=company,
                business_id=people.business_id(rng),
                contact_name=f"{first} {last}",
                email=email,
                address=people.street_address(rng),
                created_on=created_on,
                marketing_allowed=rng.random() < 0.3,
            )
            site = people.ascii_slug(company.removesuffix(" Oy").replace(" ", ""))
        else:
            row = self.customer_row(
                index,
                kind="person",
                name=f"{first} {last}",
                email=email,
                address=people.street_address(rng),
                created_on=created_on,
                marketing_allowed=rng.random() < 0.4,
            )
            site = people.ascii_slug(first + last)
        # About one customer in eight has left: their services ended and they no longer log in.
        ended_on = None
        if rng.random() < 0.125 and (self.today - created_on).days > 120:
            ended_on = created_on + timedelta(days=rng.randint(60, (self.today - created_on).days))
        services = []
        for n in range(rng.choice((1, 1, 1, 2, 2, 3))):
            plan = rng.choice(list(PLANS))
            started = created_on + timedelta(days=n * rng.randint(0, 200))
            if started > (ended_on or self.today):
                break
            name = people.unique(
                f"{site}.example", self.domains, lambda k, s=site: f"{s}{k}.example"
            )
            services.append((name, plan, started, ended_on))
        last_day = ended_on or self.today
        span = max((last_day - created_on).days, 1)
        count = self.invoice_count()
        invoice_dates = sorted(
            created_on + timedelta(days=rng.randrange(span)) for _ in range(count)
        )
        username = people.unique(
            (people.ascii_slug(first)[:5] + people.ascii_slug(last)[:5]).replace("-", ""),
            self.usernames,
            lambda n, f=first, s=last: f"{people.ascii_slug(f)[:5]}{people.ascii_slug(s)[:5]}{n}",
        )
        return self.rows_for(
            row,
            username=username,
            services=services,
            invoice_dates=invoice_dates,
            last_login_before=last_day,
        )

    def invoice_count(self) -> int:
        average = self.invoices_per_customer
        return self.rng.randint(1, 2 * average - 1) if average > 1 else average

    # Rows of one customer --------------------------------------------------------------------

    def customer_row(
        self,
        index: int,
        *,
        kind,
        name,
        email,
        address,
        created_on,
        marketing_allowed,
        business_id=None,
        contact_name=None,
    ) -> dict:
        self.emails.add(email)
        street, postal_code, city = address
        return {
            "id": index,
            "customer_number": FIRST_CUSTOMER_NUMBER + index - 1,
            "kind": kind,
            "name": name,
            "business_id": business_id,
            "contact_name": contact_name,
            "email": email,
            "phone": people.phone(self.rng),
            "street_address": street,
            "postal_code": postal_code,
            "city": city,
            "created_on": created_on,
            "marketing_allowed": marketing_allowed,
            "processing_restricted": False,
        }

    def rows_for(
        self,
        customer: dict,
        *,
        username,
        services,
        invoice_dates,
        last_login_before: date | None = None,
    ) -> dict[str, list[dict]]:
        rng = self.rng
        self.usernames.add(username)
        for service in services:
            self.domains.add(service[0])
        cid = customer["id"]
        login_day = (last_login_before or self.today) - timedelta(days=rng.randint(0, 60))
        rows: dict[str, list[dict]] = {
            "customers": [customer],
            "panel_users": [
                {
                    "id": self.take_id("panel_users"),
                    "customer_id": cid,
                    "username": username,
                    "password_hash": people.password_hash(rng),
                    "last_login_at": datetime.combine(
                        max(login_day, customer["created_on"]),
                        time(rng.randint(6, 22), rng.randint(0, 59)),
                    ),
                }
            ],
            "services": [],
            "orders": [],
        }
        for domain, plan, started_on, ended_on in services:
            rows["services"].append(
                {
                    "id": self.take_id("services"),
                    "customer_id": cid,
                    "domain": domain,
                    "plan": plan,
                    "started_on": started_on,
                    "ended_on": ended_on,
                }
            )
            rows["orders"].append(
                {
                    "id": self.take_id("orders"),
                    "customer_id": cid,
                    "ordered_on": started_on,
                    "product": f"{plan}, 12 kk",
                    "amount": PLANS[plan] * 12,
                }
            )
        rows.update(self.billing_rows(customer, services, invoice_dates))
        return rows

    def billing_rows(self, customer: dict, services: list[tuple], invoice_dates: list[date]):
        """The billing partner's copy of the customer and the invoices sent to them; each invoice
        bills the services running on its date (the first one, for a date before any started)."""
        rng = self.rng
        invoices, lines = [], []
        for issued_on in invoice_dates:
            invoice_id = self.take_id("invoices")
            total = Decimal("0.00")
            running = [
                plan
                for _domain, plan, started_on, ended_on in services
                if started_on <= issued_on and (ended_on is None or issued_on <= ended_on)
            ]
            for plan in running or [services[0][1] if services else "Webhotelli S"]:
                quantity = 12 if rng.random() < 0.7 else 1
                vat = vat_percent(issued_on)
                lines.append(
                    {
                        "id": self.take_id("lines"),
                        "invoice_id": invoice_id,
                        "issued_on": issued_on,
                        "description": f"{plan} ({quantity} kk)",
                        "quantity": quantity,
                        "unit_price": PLANS[plan],
                        "vat_percent": vat,
                    }
                )
                total += line_total(plan, quantity, vat)
            due_on = issued_on + timedelta(days=14)
            paid_on = None
            if due_on < self.today and rng.random() < 0.97:
                paid_on = issued_on + timedelta(days=rng.randint(1, 20))
            invoices.append(
                {
                    "id": invoice_id,
                    "billing_customer_id": customer["id"],
                    "invoice_number": str(100000 + invoice_id),
                    "issued_on": issued_on,
                    "due_on": due_on,
                    "total": total,
                    "paid_on": paid_on,
                }
            )
        billing_customer = {
            "id": customer["id"],
            "customer_number": customer["customer_number"],
            "name": customer["name"],
            "business_id": customer["business_id"],
            "email": customer["email"],
            "street_address": customer["street_address"],
            "postal_code": customer["postal_code"],
            "city": customer["city"],
            "last_invoice_on": max(invoice_dates, default=None),
        }
        return {
            "billing_customers": [billing_customer],
            "invoices": invoices,
            "invoice_lines": lines,
        }

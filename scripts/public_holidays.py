"""Write portal/public_holidays.json: each year's public holidays of the countries the portal
keeps a table for, as the ``holidays`` package gives them (public category).

python3 scripts/public_holidays.py

A web worker that imported ``holidays`` to work out one due date held 11 MB more for the rest of
its life (the package loads some 300 modules, issue 14); the due dates read this table instead
and fall back to the package only for a country or year it does not hold.
tests/unit/test_deadlines.py checks that the table still says what the package says: after an
update of the package that changes a date, run this again.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from portal.deadlines import HOLIDAY_TABLE, TABLE_YEARS, package_holidays  # noqa: E402


def table() -> dict:
    import holidays

    return {
        "source": f"holidays {holidays.__version__}, category public",
        "countries": {
            "FI": {
                str(year): sorted(day.isoformat() for day in package_holidays("FI", year))
                for year in TABLE_YEARS
            }
        },
    }


def main() -> int:
    data = table()
    # One year a line, so that a change of the package shows as the years it changed.
    years = data["countries"]["FI"]
    lines = [f'   "{year}": {json.dumps(days)}' for year, days in years.items()]
    text = (
        "{\n"
        f' "source": {json.dumps(data["source"])},\n'
        ' "countries": {\n  "FI": {\n' + ",\n".join(lines) + "\n  }\n }\n}\n"
    )
    if json.loads(text) != data:
        raise SystemExit("the table did not read back as written")
    HOLIDAY_TABLE.write_text(text, encoding="utf-8")
    print(f"wrote {HOLIDAY_TABLE.relative_to(ROOT)} ({len(text):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

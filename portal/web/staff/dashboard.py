"""The contact person's dashboard (where staff land after signing in) and the yearly
accountability report: the controller's figures, for the day's work and for demonstrating
compliance (GDPR Art. 5(2), 24)."""

from __future__ import annotations

from babel.numbers import format_percent
from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import force_locale, format_date, format_decimal, get_locale

from portal.i18n import gettext as _
from portal.intake.manual import CHANNEL_NAMES
from portal.models import ExcessiveGround, RequestKind
from portal.reports import plots, yearly
from portal.reports.figures import counts, dashboard_figures
from portal.subject_requests.clock import controller_today
from portal.subject_requests.excessive import GROUND_NAMES
from portal.subject_requests.kinds import KINDS
from portal.web.staff.views import bp, staff_required

# Years a report can be asked for: far outside any request, the address is not found.
YEARS = range(2000, 2200)


def _month_labels(window) -> list[str]:
    return [format_date(month, "LLL yyyy") for month in window.months]


def _days(value: float | None) -> str:
    return "–" if value is None else format_decimal(round(value, 1), format="#,##0.#")


def _rate(figures) -> str:
    rate = figures.on_time_rate
    # The locale's own pattern (Finnish "80,5 %"), to one decimal.
    return (
        "–"
        if rate is None
        else format_percent(round(rate, 3), locale=get_locale(), decimal_quantization=False)
    )


def _plots(figures) -> dict:
    """The window's plots; each has the same numbers in a table on the page. Months are short
    on the axis (1/26): twelve names side by side would run into each other."""
    months = [format_date(month, "M/yy") for month in figures.window.months]
    kinds = [kind for kind in RequestKind if sum(figures.received[kind])]
    answered_kinds = [kind for kind in RequestKind if figures.by_kind[kind].answered]
    return {
        "received": plots.stacked_bars(
            _("Requests received per month, by type"),
            months,
            {str(KINDS[kind].title): figures.received[kind] for kind in kinds},
        ),
        "answered": plots.stacked_bars(
            _("Answers per month: on time and late"),
            months,
            {
                _("On time"): [on_time for on_time, _late in figures.answered_by_month],
                _("Late"): [late for _on_time, late in figures.answered_by_month],
            },
        ),
        "days": plots.days_bars(
            _("Days to answer per request type: median and 90th percentile"),
            [str(KINDS[kind].title) for kind in answered_kinds],
            {
                _("Median"): [figures.by_kind[kind].median for kind in answered_kinds],
                _("90th percentile"): [figures.by_kind[kind].p90 for kind in answered_kinds],
            },
        ),
    }


def _helpers() -> dict:
    return {
        "kinds": KINDS,
        "days": _days,
        "rate": _rate,
        "ground_names": GROUND_NAMES,
        "channel_names": CHANNEL_NAMES,
        "excessive_grounds": list(ExcessiveGround),
    }


@bp.route("/dashboard")
@staff_required
def dashboard():
    today = controller_today()
    figures = dashboard_figures(today)
    return render_template(
        "staff/dashboard.html",
        today=today,
        counts=counts(today),
        figures=figures,
        months=_month_labels(figures.window),
        plots=_plots(figures),
        **_helpers(),
    )


@bp.route("/reports")
@staff_required
def reports():
    """The year chooser's target; without a year, the last full year, the one a controller
    reports on."""
    year = request.args.get("year", "")
    chosen = int(year) if year.isdigit() and int(year) in YEARS else controller_today().year - 1
    return redirect(url_for("staff.yearly_report", year=chosen))


@bp.route("/reports/<int:year>")
@staff_required
def yearly_report(year: int):
    return yearly_report_page(year)


def yearly_report_page(year: int):
    if year not in YEARS:
        abort(404)
    notice = current_app.extensions["notice"]
    # The report is the controller's record: in its language unless another is asked for.
    language = request.args.get("lang", "")
    if language not in current_app.config["LANGUAGES"]:
        language = notice.original_language
    this_year = controller_today().year
    earliest = yearly.first_year() or this_year
    with force_locale(language):
        report = yearly.yearly_report(year)
        return render_template(
            "staff/yearly_report.html",
            report=report,
            figures=report.figures,
            year=year,
            years=list(range(this_year, min(earliest, year) - 1, -1)),
            report_language=language,
            months=_month_labels(report.window),
            plots=_plots(report.figures),
            made_on=controller_today(),
            **_helpers(),
        )

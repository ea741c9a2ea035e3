"""The year report as a PDF (for the team meeting and the MR) and as CSV (the anonymous
figures). The PDF goes through the one renderer, ``cases.documents.render_pdf``."""

import csv
import io

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.documents import render_pdf
from reports.figures import Report, difference

REPORT_STYLESHEETS = ("vendor/noto-sans/noto-sans.css", "css/report_document.css")

SECTIONS = (
    ("signals", gettext_lazy("Meldingen"), ("channel", "place", "digital", "month")),
    ("cases", gettext_lazy("Hoe liepen de casussen?"), ("decision", "one_off", "progress")),
    (
        "approach",
        gettext_lazy("No Blame-aanpak en plan van aanpak"),
        ("noblame", "rounds", "plans"),
    ),
    (
        "recurrences",
        gettext_lazy("Herhalingen en hulp van buitenaf"),
        ("recurrences", "outside_help"),
    ),
    ("talks", gettext_lazy("Gesprekken"), ("talks",)),
)


def sections(report: Report) -> list[dict]:
    return [
        {"key": key, "title": title, "tables": [report.tables[k] for k in keys]}
        for key, title, keys in SECTIONS
    ]


def comparison_rows(report: Report) -> list[dict]:
    table = report.comparison
    if table is None:
        return []
    return [
        {"label": label, "cells": row, "difference": difference(row)}
        for label, row in zip(table.labels, table.rows, strict=True)
    ]


def durations(report: Report) -> list[dict]:
    """Rows per column (school, and all schools for a board)."""
    names = report.columns + ([_("Alle scholen")] if report.is_board else [])
    return [
        {
            "name": name,
            "to_stap_2": a,
            "to_closed": b,
            "spreads": [a, b],
            "labelled": [(_("stap 2 (de inschatting)"), a), (_("afsluiting"), b)],
        }
        for name, a, b in zip(names, report.to_stap_2, report.to_closed, strict=True)
    ]


def report_context(report: Report) -> dict:
    return {
        "report": report,
        "sections": sections(report),
        "comparison": comparison_rows(report),
        "durations": durations(report),
        "made_on": timezone.localdate(),
    }


def render_report_pdf(report: Report) -> bytes:
    """The report as an A4 PDF: every table, with bars where there is one school."""
    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string("reports/document.html", report_context(report))
    return render_pdf(html, stylesheets=REPORT_STYLESHEETS)


def report_csv(report: Report) -> bytes:
    """The figures as CSV (semicolons, UTF-8 with BOM: what Excel in Dutch opens as is).
    Hidden counts are written as they are shown: "< 5" or "≥ 5"."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    multi = report.is_board
    writer.writerow(
        [_("Onderdeel"), _("Categorie"), *report.columns, *([_("Totaal")] if multi else [])]
    )
    writer.writerow([_("Periode"), report.period.label])
    for section in sections(report):
        for table in section["tables"]:
            for line in table.lines:
                total = [line["total"].display] if multi else []
                writer.writerow(
                    [table.title, line["label"], *[c.display for c in line["cells"]], *total]
                )
            if table.col_totals:
                grand = [table.grand.display] if multi else []
                writer.writerow(
                    [table.title, _("Totaal"), *[c.display for c in table.col_totals], *grand]
                )
    for row in durations(report):
        for label, spread in (
            (_("Dagen van melding tot stap 2"), row["to_stap_2"]),
            (_("Dagen van melding tot afsluiting"), row["to_closed"]),
        ):
            shown = spread.shown
            writer.writerow(
                [
                    label,
                    row["name"],
                    _("casussen: %(n)s") % {"n": spread.count_cell.display},
                    _("mediaan: %(m)s") % {"m": _number(spread.median) if shown else "–"},
                    _("middelste helft: %(a)s–%(b)s")
                    % {
                        "a": _number(spread.q1) if shown else "–",
                        "b": _number(spread.q3) if shown else "–",
                    },
                ]
            )
    for row in comparison_rows(report):
        writer.writerow(
            [
                _("Vergelijking met het jaar ervoor"),
                row["label"],
                *[c.display for c in row["cells"]],
                row["difference"],
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _number(value) -> str:
    if value is None:
        return "–"
    return f"{value:.1f}".rstrip("0").rstrip(".").replace(".", ",")

"""Importing pupils, classes and guardians from a pupil-administration CSV export.

The fixtures in ``tests/fixtures/import`` have the column layouts of ParnasSys (UTF-8
with BOM, ``;``, guardian 1 and 2 columns), ESIS (Windows-1252, ``;``, full guardian
names) and Somtoday (``,``, one row per guardian), each with broken rows.
"""

from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AccessRecord
from schools import importing
from schools.models import (
    Guardian,
    GuardianRelation,
    ImportMapping,
    ImportRun,
    Pupil,
    Role,
    SchoolClass,
)
from tests.conftest import make_user

FIXTURES = Path(__file__).parent / "fixtures" / "import"
YEAR = "2026-2027"
HEADER = "Leerlingnummer;Roepnaam;Achternaam;Geboortedatum;Groep;Ouder 1 naam;Ouder 1 telefoon\n"


def upload(school, by, data, name="export.csv"):
    """An upload with the suggested (or remembered) mapping saved: ready for its preview."""
    if isinstance(data, str):
        data = data.encode()
    run = importing.import_upload(school, by=by, file_name=name, data=data, school_year=YEAR)
    headers = importing.parse_file(data).headers
    importing.import_save_mapping(run, importing.initial_mapping(school, headers), by=by)
    return run


def fixture(name):
    return (FIXTURES / name).read_bytes()


def preview(run):
    return importing.preview_run(ImportRun.objects.get(pk=run.pk))


def apply_file(school, by, data, **kwargs):
    return importing.import_apply(upload(school, by, data), by=by, **kwargs)


@pytest.fixture
def beheerder2(other_school):
    return make_user("beheerder2", other_school, Role.ADMIN)


# --- the three systems --------------------------------------------------------------------


def test_parnassys_file_imports_into_the_right_classes_and_guardians(school, groep5, beheerder):
    counts = apply_file(school, beheerder, fixture("parnassys.csv"))

    assert (counts["new"], counts["errors"]) == (19, 1)
    sanne = Pupil.objects.get(school=school, pupil_number="104200")
    assert (sanne.first_name, sanne.last_name) == ("Sanne", "de Vries")
    assert str(sanne.school_class) == "groep 4 (2026-2027)"
    links = {
        (r.guardian.first_name, r.relation, r.has_custody) for r in sanne.guardian_relations.all()
    }
    assert links == {("Ingrid", "mother", True), ("Mark", "father", False)}
    assert Pupil.objects.get(pupil_number="104203").school_class == groep5  # "5" is groep 5


def test_esis_file_in_windows_1252_keeps_its_accents(school, beheerder):
    apply_file(school, beheerder, fixture("esis.csv"))

    zoe = Pupil.objects.get(school=school, pupil_number="E2300")
    assert (zoe.first_name, zoe.last_name, zoe.school_class.name) == ("Zoë", "Müller", "groep 6b")
    assert Pupil.objects.get(pupil_number="E2301").first_name == "Chloé"
    guardians = {g.first_name + " " + g.last_name for g in zoe.guardians.all()}
    assert guardians == {"Sabine Müller", "Jürgen Müller"}  # "Müller, Sabine" split too


def test_somtoday_rows_per_guardian_are_grouped_by_pupil(school, beheerder):
    counts = apply_file(school, beheerder, fixture("somtoday.csv"))

    assert counts["new"] == 14
    mats = Pupil.objects.get(school=school, pupil_number="31000")
    assert mats.school_class.name == "groep 7a"
    assert sorted(mats.guardians.values_list("first_name", flat=True)) == ["Ingrid", "Mark"]


@pytest.mark.parametrize("name", ["parnassys.csv", "esis.csv", "somtoday.csv"])
def test_a_second_import_of_the_same_file_changes_nothing(school, beheerder, name):
    apply_file(school, beheerder, fixture(name))
    before = (Pupil.objects.count(), Guardian.objects.count(), SchoolClass.objects.count())

    counts = apply_file(school, beheerder, fixture(name))

    assert (counts["new"], counts["changed"], counts["leaving"]) == (0, 0, 0)
    assert counts["unchanged"] > 10
    assert (counts["classes_created"], counts["guardians_created"]) == (0, 0)
    after = (Pupil.objects.count(), Guardian.objects.count(), SchoolClass.objects.count())
    assert after == before


@pytest.mark.parametrize(
    ("name", "lines"),
    [("parnassys.csv", [19]), ("esis.csv", [11]), ("somtoday.csv", [18, 19, 31])],
)
def test_broken_rows_are_reported_by_line_and_the_rest_imports(school, beheerder, name, lines):
    run = upload(school, beheerder, fixture(name))

    result = preview(run)

    assert [e.line for e in result.errors] == lines
    assert all(e.reason for e in result.errors)
    assert len(result.new) >= 14


def test_error_reasons_are_in_dutch(school, beheerder):
    result = preview(upload(school, beheerder, fixture("parnassys.csv")))

    assert result.errors[0].reason == (
        "De geboortedatum „31-02-2017” is niet te lezen (schrijf dd-mm-jjjj)."
    )


# --- changes, leaving, never deleting -----------------------------------------------------


def test_a_changed_phone_shows_as_changed(school, beheerder):
    apply_file(school, beheerder, HEADER + "7;Sanne;de Vries;14-03-2018;5;Ingrid de Vries;0611\n")

    result = preview(
        upload(school, beheerder, HEADER + "7;Sanne;de Vries;14-03-2018;5;Ingrid de Vries;0622\n")
    )

    assert [p.record.number for p in result.changed] == ["7"]
    assert result.changed[0].changes == ["telefoon van Ingrid de Vries: 0611 → 0622"]


def test_the_same_phone_written_otherwise_is_unchanged(school, beheerder):
    apply_file(school, beheerder, HEADER + "7;Sanne;de Vries;;5;Ingrid de Vries;06-12345678\n")

    result = preview(
        upload(school, beheerder, HEADER + "7;Sanne;de Vries;;5;Ingrid de Vries;0612345678\n")
    )

    assert len(result.unchanged) == 1


def test_a_pupil_in_another_groep_moves_class(school, groep5, beheerder):
    apply_file(school, beheerder, HEADER + "7;Sanne;de Vries;;4;;\n")

    counts = apply_file(school, beheerder, HEADER + "7;Sanne;de Vries;;5;;\n")

    assert counts["changed"] == 1
    assert Pupil.objects.get(pupil_number="7").school_class == groep5


def test_missing_pupil_is_leaving_and_gets_a_date_only_after_confirmation(school, beheerder):
    apply_file(school, beheerder, HEADER + "1;Sanne;de Vries;;5;;\n2;Daan;Jansen;;5;;\n")

    result = preview(upload(school, beheerder, HEADER + "1;Sanne;de Vries;;5;;\n"))
    assert [p.pupil_number for p in result.leaving] == ["2"]

    apply_file(school, beheerder, HEADER + "1;Sanne;de Vries;;5;;\n")
    assert Pupil.objects.get(pupil_number="2").left_on is None

    counts = apply_file(
        school,
        beheerder,
        HEADER + "1;Sanne;de Vries;;5;;\n",
        mark_leaving=True,
        leaving_on=importing.datetime.date(2026, 12, 1),
    )
    assert counts["leaving_marked"] == 1
    assert str(Pupil.objects.get(pupil_number="2").left_on) == "2026-12-01"


def test_a_row_with_an_error_does_not_make_its_pupil_leave(school, beheerder):
    apply_file(school, beheerder, HEADER + "1;Sanne;de Vries;;5;;\n")

    result = preview(upload(school, beheerder, HEADER + "1;Sanne;de Vries;31-31-2018;5;;\n"))

    assert (len(result.errors), result.leaving) == (1, [])


def test_nothing_is_deleted(school, beheerder, victim):
    apply_file(school, beheerder, fixture("parnassys.csv"))
    pupils, links = Pupil.objects.count(), GuardianRelation.objects.count()

    apply_file(school, beheerder, HEADER + "104200;Sanne;de Vries;;4;;\n", mark_leaving=True)

    assert (Pupil.objects.count(), GuardianRelation.objects.count()) == (pupils, links)
    assert victim.guardian_relations.count() == 1
    assert Pupil.objects.filter(left_on__isnull=True).count() == 1


def test_a_pupil_typed_in_by_hand_is_matched_by_name_and_date_of_birth(school, groep5, beheerder):
    typed = Pupil.objects.create(
        school=school,
        school_class=groep5,
        first_name="Sanne",
        last_name="de Vries",
        date_of_birth=importing.datetime.date(2018, 3, 14),
    )

    counts = apply_file(school, beheerder, HEADER + "104200;Sanne;de Vries;14-03-2018;5;;\n")

    assert (counts["new"], counts["changed"]) == (0, 1)
    typed.refresh_from_db()
    assert typed.pupil_number == "104200"


def test_siblings_share_their_guardians(school, beheerder):
    apply_file(school, beheerder, fixture("parnassys.csv"))

    emma, lucas = Pupil.objects.get(first_name="Emma"), Pupil.objects.get(first_name="Lucas")

    assert set(emma.guardians.all()) == set(lucas.guardians.all())
    assert emma.guardians.count() == 2


def test_parents_sharing_one_address_stay_two_people(school, beheerder):
    text = (
        "Leerlingnummer;Roepnaam;Achternaam;Groep;Ouder 1 naam;Ouder 1 e-mail;"
        "Ouder 2 naam;Ouder 2 e-mail\n"
        "1;Sanne;de Vries;5;Ingrid de Vries;gezin@example.nl;Mark de Vries;gezin@example.nl\n"
    )
    apply_file(school, beheerder, text)

    assert apply_file(school, beheerder, text)["unchanged"] == 1
    assert Guardian.objects.count() == 2


def test_a_guardian_known_by_a_sibling_is_linked_not_copied(school, beheerder):
    row = "{n};{first};de Vries;;5;Ingrid de Vries;0611\n"
    text = HEADER.replace("Ouder 1 telefoon", "Ouder 1 e-mail")
    apply_file(school, beheerder, text + row.format(n=1, first="Sanne").replace("0611", "i@x.nl"))

    apply_file(school, beheerder, text + row.format(n=2, first="Tim").replace("0611", "I@X.nl"))

    assert Guardian.objects.count() == 1
    assert Guardian.objects.get().pupils.count() == 2


# --- mapping ------------------------------------------------------------------------------


def test_the_mapping_is_remembered_per_school(school, other_school, beheerder):
    data = "Nr;Voornaam;Familie;Klas\n1;Sanne;Vries;5\n"
    run = importing.import_upload(school, by=beheerder, file_name="x.csv", data=data.encode())
    mapping = {"Nr": "pupil_number", "Voornaam": "first_name", "Familie": "last_name"}
    importing.import_save_mapping(run, {**mapping, "Klas": "group"}, by=beheerder)

    assert importing.initial_mapping(school, ["NR", "Familie"]) == {
        "NR": "pupil_number",
        "Familie": "last_name",
    }
    assert importing.initial_mapping(other_school, ["Nr", "Familie"]) == {"Nr": "", "Familie": ""}
    assert ImportMapping.objects.get(school=school).updated_by == beheerder


def test_the_bsn_is_never_mapped(school, beheerder):
    assert importing.suggest_mapping(["BSN", "Leerlingnummer"])["BSN"] == ""
    problems = importing.check_mapping(
        {"BSN": "pupil_number", "Roepnaam": "first_name", "A": "last_name", "G": "group"}
    )
    assert problems == ["De kolom „BSN” (BSN) wordt nooit geïmporteerd."]


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ("5", "groep 5"),
        ("5a", "groep 5a"),
        ("Groep 5", "groep 5"),
        ("groep 5A", "groep 5a"),
        ("1/2b", "groep 1/2b"),
        ("De Dolfijnen", "De Dolfijnen"),
    ],
)
def test_groep_values_become_class_names(value, name):
    assert importing.class_name(value) == name


@pytest.mark.parametrize("value", ["14-03-2018", "14-3-2018", "14/03/2018", "2018-03-14"])
def test_dates_in_the_usual_ways(value):
    assert str(importing._parse_date_or_none(value)) == "2018-03-14"


def test_a_tab_separated_file_is_read():
    parsed = importing.parse_file(b"Leerlingnummer\tRoepnaam\n1\tSanne\n2\tDaan\n")
    assert (parsed.delimiter, parsed.headers) == ("\t", ["Leerlingnummer", "Roepnaam"])


# --- bad files ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Het bestand is leeg."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "Dit is geen tekstbestand."),
        ("Leerlingnummer;Roepnaam\n1;Zoë\n".encode("utf-16"), "UTF-16"),
        (b"PK\x03\x04rest of a zip", "Excel"),
        (b"1234;Sanne;de Vries;5\n1235;Daan;Jansen;5\n", "kolomnamen"),
        (b"Leerlingnummer;Roepnaam;Groep\n", "geen leerlingen"),
        (b"x" * (5 * 1024 * 1024 + 1), "groter dan 5 MB"),
    ],
)
def test_a_bad_file_is_a_dutch_message(data, message):
    with pytest.raises(ValidationError) as error:
        importing.parse_file(data)
    assert message in " ".join(error.value.messages)


def test_a_row_with_too_many_cells_is_an_error_row(school, beheerder):
    result = preview(
        upload(school, beheerder, HEADER + "1;Sanne;Vries;;5;;\n2;Daan;Jan;sen;;5;x;y\n")
    )

    assert [e.line for e in result.errors] == [3]
    assert len(result.new) == 1


# --- the services refuse ------------------------------------------------------------------


def test_applying_a_run_twice_is_refused(school, beheerder):
    run = upload(school, beheerder, fixture("esis.csv"))
    importing.import_apply(run, by=beheerder)

    with pytest.raises(ValidationError, match="al doorgevoerd"):
        importing.import_apply(run, by=beheerder)


def test_the_file_is_kept_only_until_applied_or_cancelled(school, beheerder):
    applied = upload(school, beheerder, fixture("esis.csv"))
    importing.import_apply(applied, by=beheerder)
    cancelled = upload(school, beheerder, fixture("esis.csv"))
    importing.import_cancel(cancelled, by=beheerder)

    assert [bytes(r.raw_file) for r in ImportRun.objects.all()] == [b"", b""]
    assert ImportRun.objects.get(pk=cancelled.pk).status == "cancelled"


def test_a_new_upload_replaces_one_waiting_in_preview(school, beheerder):
    waiting = upload(school, beheerder, fixture("esis.csv"))

    upload(school, beheerder, fixture("esis.csv"))

    waiting.refresh_from_db()
    assert (waiting.status, bytes(waiting.raw_file)) == ("cancelled", b"")


def test_the_change_history_names_the_beheerder_and_not_the_file(school, beheerder):
    run = upload(school, beheerder, fixture("esis.csv"))
    importing.import_apply(run, by=beheerder)

    pupil = Pupil.objects.get(pupil_number="E2300")
    assert LogEntry.objects.get_for_object(pupil).get().actor == beheerder
    assert all("raw_file" not in e.changes_dict for e in LogEntry.objects.get_for_object(run))


def test_a_beheerder_of_another_school_cannot_import_here(school, beheerder2):
    with pytest.raises(PermissionDenied):
        importing.import_upload(school, by=beheerder2, file_name="x.csv", data=fixture("esis.csv"))


# --- the pages ----------------------------------------------------------------------------


def test_upload_mapping_preview_apply_through_the_pages(client, school, beheerder):
    client.force_login(beheerder)
    file = SimpleUploadedFile("parnassys.csv", fixture("parnassys.csv"), "text/csv")
    response = client.post(
        reverse("schools:import_upload"),
        {"school": school.pk, "school_year": YEAR, "file": file},
    )
    run = ImportRun.objects.get()
    assert response.url == reverse("schools:import_mapping", args=[run.pk])

    page = client.get(response.url)
    assert page.status_code == 200
    posted = {name: field.initial for name, field in page.context["form"].fields.items()}
    response = client.post(reverse("schools:import_mapping", args=[run.pk]), posted)
    assert response.url == reverse("schools:import_preview", args=[run.pk])

    page = client.get(response.url)
    assert page.status_code == 200
    assert "31-02-2017" in page.content.decode()
    assert AccessRecord.objects.filter(object_type="schools.importrun", action="view").exists()

    response = client.post(reverse("schools:import_apply", args=[run.pk]), {})
    assert response.status_code == 302
    assert Pupil.objects.filter(school=school).count() == 19
    assert "doorgevoerd" in client.get(response.url).content.decode()
    assert client.get(reverse("schools:import_upload")).status_code == 200


def test_a_bad_file_on_the_page_is_a_message_not_an_error(client, school, beheerder):
    client.force_login(beheerder)
    file = SimpleUploadedFile("leerlingen.xlsx", b"PK\x03\x04\x00\x00", "application/zip")

    response = client.post(
        reverse("schools:import_upload"), {"school": school.pk, "school_year": YEAR, "file": file}
    )

    assert response.status_code == 200
    assert "Excel" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_a_forged_school_in_the_upload_is_a_form_error(client, school, other_school, beheerder):
    client.force_login(beheerder)
    file = SimpleUploadedFile("esis.csv", fixture("esis.csv"), "text/csv")

    response = client.post(
        reverse("schools:import_upload"),
        {"school": other_school.pk, "school_year": YEAR, "file": file},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["school"]
    assert not ImportRun.objects.exists()


def test_a_beheerder_of_another_school_gets_404_on_a_run(client, school, beheerder, beheerder2):
    run = upload(school, beheerder, fixture("esis.csv"))
    client.force_login(beheerder2)

    urls = [reverse(f"schools:import_{n}", args=[run.pk]) for n in ("mapping", "preview")]
    assert [client.get(url).status_code for url in urls] == [404, 404]
    for name in ("apply", "cancel"):
        assert client.post(reverse(f"schools:import_{name}", args=[run.pk])).status_code == 404
    assert ImportRun.objects.get().status == "preview"


@pytest.mark.parametrize("persona", ["teacher5", "ib"])
def test_teachers_and_ib_get_403(client, request, persona):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(reverse("schools:import_upload")).status_code == 403


def test_apply_over_get_is_405(client, school, beheerder):
    run = upload(school, beheerder, fixture("esis.csv"))
    client.force_login(beheerder)

    assert client.get(reverse("schools:import_apply", args=[run.pk])).status_code == 405
    assert client.get(reverse("schools:import_cancel", args=[run.pk])).status_code == 405


def test_applying_twice_through_the_page_is_a_message(client, school, beheerder):
    run = upload(school, beheerder, fixture("esis.csv"))
    client.force_login(beheerder)
    url = reverse("schools:import_apply", args=[run.pk])
    client.post(url)

    response = client.post(url, follow=True)

    assert "al doorgevoerd" in response.content.decode()
    assert Pupil.objects.count() == 15


def test_a_comma_in_every_address_does_not_fool_the_separator():
    text = "Leerlingnummer;Roepnaam;Adres\n1;Sanne;Dorpsstraat 1, Houten\n2;Daan;Markt 2, Zeist\n"

    parsed = importing.parse_file(text.encode())

    assert (parsed.delimiter, parsed.rows[0][1]) == (";", ["1", "Sanne", "Dorpsstraat 1, Houten"])


def test_a_full_name_of_one_word_is_a_last_name():
    assert importing.split_name("Hoekstra") == ("", "Hoekstra")
    assert importing.split_name("Meer, Annelies van der") == ("Annelies", "van der Meer")


def test_a_guardian_missing_from_the_file_stays_linked(school, beheerder):
    apply_file(school, beheerder, HEADER + "1;Sanne;de Vries;;5;Ingrid de Vries;0611\n")

    counts = apply_file(school, beheerder, HEADER + "1;Sanne;de Vries;;5;;\n")

    assert counts["unchanged"] == 1
    assert Pupil.objects.get().guardians.count() == 1


def test_a_pupil_who_left_and_is_back_in_the_file_returns(school, beheerder):
    apply_file(school, beheerder, HEADER + "1;Sanne;de Vries;;5;;\n")
    Pupil.objects.update(left_on=importing.datetime.date(2026, 7, 1))

    counts = apply_file(school, beheerder, HEADER + "1;Sanne;de Vries;;5;;\n")

    assert counts["changed"] == 1
    assert Pupil.objects.get().left_on is None


def test_a_changed_custody_shows_as_changed(school, beheerder):
    text = (
        "Leerlingnummer;Roepnaam;Achternaam;Groep;Naam ouder 1;Gezag ouder 1\n"
        "1;Sanne;Vries;5;Ingrid Vries;{}\n"
    )
    apply_file(school, beheerder, text.format("ja"))

    result = preview(upload(school, beheerder, text.format("nee")))

    assert result.changed[0].changes == ["gezag van Ingrid Vries: ja → nee"]

"""Import pupils, classes and guardians from the CSV export of a pupil administration.

ParnasSys, ESIS and Somtoday all export pupils with their groep, date of birth and
parents/guardians. The steps, each a function here:

1. :func:`parse_file` reads the uploaded bytes: UTF-8 (with or without BOM) or
   Windows-1252, ``;``, ``,`` or tab as separator (``csv.Sniffer``), rows loaded with
   tablib, each row keeping its line number in the file.
2. :func:`suggest_mapping` proposes a target field for each column from the Dutch
   headers these systems use; the beheerder confirms or changes it, and the school
   remembers it (``ImportMapping``).
3. :func:`build_preview` compares the file with the school's pupils: new, changed
   (which fields), unchanged, leaving (in the school, not in the file) and rows with
   errors, without writing anything.
4. :func:`import_apply` recomputes that preview from the stored file and writes it
   in one transaction. Nothing is ever deleted: a pupil missing from the file gets a
   leaving date only when the beheerder confirms it; a guardian link is never removed.

Two layouts are read: one row per pupil with columns for guardian 1 and 2, and one
row per guardian with the pupil repeated (rows are grouped by pupil number).
An empty cell never clears a stored value (date of birth, e-mail, phone, relation,
custody): exports leave cells empty for many reasons.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

import tablib
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.actor import acting_as
from schools.models import (
    Guardian,
    GuardianRelation,
    ImportMapping,
    ImportRun,
    Pupil,
    School,
    SchoolClass,
    current_school_year,
)
from schools.scope import require_managed

MAX_FILE_BYTES = 5 * 1024 * 1024
DELIMITERS = ";,\t"
GUARDIAN_SLOTS = (1, 2)

# --- target fields ------------------------------------------------------------------------

PUPIL_FIELDS = {
    "pupil_number": gettext_lazy("Leerlingnummer"),
    "first_name": gettext_lazy("Roepnaam leerling"),
    "infix": gettext_lazy("Tussenvoegsel leerling"),
    "last_name": gettext_lazy("Achternaam leerling"),
    "date_of_birth": gettext_lazy("Geboortedatum leerling"),
    "group": gettext_lazy("Groep"),
}
GUARDIAN_PARTS = {
    "name": gettext_lazy("volledige naam"),
    "first_name": gettext_lazy("roepnaam"),
    "infix": gettext_lazy("tussenvoegsel"),
    "last_name": gettext_lazy("achternaam"),
    "relation": gettext_lazy("relatie"),
    "email": gettext_lazy("e-mailadres"),
    "phone": gettext_lazy("telefoon"),
    "custody": gettext_lazy("gezag (ja/nee)"),
}
REQUIRED_FIELDS = ("pupil_number", "first_name", "last_name", "group")


def guardian_field(slot: int, part: str) -> str:
    return f"g{slot}_{part}"


def target_choices() -> list[tuple[str, str]]:
    """The choices of the mapping step, in the order a beheerder reads them."""
    choices = [("", _("— niet importeren —"))]
    choices += [(key, str(label)) for key, label in PUPIL_FIELDS.items()]
    for slot in GUARDIAN_SLOTS:
        for part, label in GUARDIAN_PARTS.items():
            choices.append(
                (
                    guardian_field(slot, part),
                    _("Ouder/verzorger %(n)s: %(part)s")
                    % {
                        "n": slot,
                        "part": label,
                    },
                )
            )
    return choices


def field_label(key: str) -> str:
    return dict(target_choices()).get(key, key)


# --- reading the file ---------------------------------------------------------------------


@dataclass
class ParsedFile:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (line number in the file, cells)
    encoding: str
    delimiter: str
    long_lines: set[int] = field(default_factory=set)  # rows with more cells than headers


def decode(data: bytes) -> tuple[str, str]:
    """The text of an upload and its encoding: UTF-8 (BOM or not) first, then Windows-1252."""
    if not data.strip():
        raise ValidationError(_("Het bestand is leeg."))
    if data.startswith(b"PK\x03\x04"):
        raise ValidationError(
            _(
                "Dit is een Excel- of zip-bestand. Sla de export op als CSV "
                "(puntkomma- of kommagescheiden) en upload dat bestand."
            )
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValidationError(
            _(
                "Dit bestand is opgeslagen als UTF-16. Sla het op als CSV (UTF-8) en "
                "probeer het opnieuw."
            )
        )
    if b"\x00" in data:
        raise ValidationError(
            _(
                "Dit is geen tekstbestand. Exporteer de leerlingen als CSV uit de "
                "leerlingadministratie."
            )
        )
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise ValidationError(
            _(
                "De tekens in dit bestand zijn niet te lezen (geen UTF-8 en geen Windows-1252). "
                "Sla het op als CSV (UTF-8) en probeer het opnieuw."
            )
        ) from error
    return text, "cp1252"


def _check_text(text: str) -> None:
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\r\n" for ch in text[:65536]):
        raise ValidationError(
            _(
                "Dit is geen tekstbestand. Exporteer de leerlingen als CSV uit de "
                "leerlingadministratie."
            )
        )


def sniff_delimiter(text: str) -> str:
    """``;``, ``,`` or tab, as ``csv.Sniffer`` finds it. The header line has the final say:
    a separator the header does not use (a comma in every address, say) is not the one."""
    lines = text.splitlines()
    header = lines[0] if lines else ""
    in_header = {d: header.count(d) for d in DELIMITERS}
    try:
        sniffed = csv.Sniffer().sniff("\n".join(lines[:50])[:65536], delimiters=DELIMITERS)
    except csv.Error:
        sniffed = None  # e.g. only one data row, or rows that disagree
    if sniffed is not None and in_header[sniffed.delimiter]:
        return sniffed.delimiter
    best = max(in_header, key=in_header.get)
    if not in_header[best]:
        raise ValidationError(
            _(
                "In de eerste regel staan geen kolommen gescheiden door ; of , of een tab. "
                "Is dit wel een CSV-export van de leerlingadministratie?"
            )
        )
    return best


class _Lines:
    """Gives the CSV reader one line at a time and counts them, so that every row keeps
    its line number in the file (tablib skips blank lines)."""

    def __init__(self, text: str):
        self._lines = iter(io.StringIO(text, newline=""))
        self.count = 0

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.count += 1
        return line


class _Dataset(tablib.Dataset):
    """A tablib dataset that notes each row's line number and, instead of refusing the
    whole file, cuts a row with more cells than the header (noted as an error row)."""

    def __init__(self, lines: _Lines):
        super().__init__()
        self._lines = lines
        self.line_numbers: list[int] = []
        self.long_lines: set[int] = set()

    def append(self, row, tags=()):
        row = list(row)
        # The reader has just read the row's last line; a quoted cell may span lines.
        line = self._lines.count - sum(cell.count("\n") for cell in row)
        width = len(self.headers or ())
        if width and len(row) > width:
            if any(cell.strip() for cell in row[width:]):
                self.long_lines.add(line)
            row = row[:width]
        self.line_numbers.append(line)
        super().append(row, tags)


def _looks_like_data(cell: str) -> bool:
    cell = cell.strip()
    return bool(re.fullmatch(r"\d+", cell)) or _parse_date_or_none(cell) is not None


def parse_file(data: bytes) -> ParsedFile:
    """Read an upload; a file that cannot be read raises ValidationError with a Dutch reason."""
    if len(data) > MAX_FILE_BYTES:
        raise ValidationError(_("Het bestand is groter dan 5 MB."))
    text, encoding = decode(data)
    _check_text(text)
    delimiter = sniff_delimiter(text)
    lines = _Lines(text)
    dataset = _Dataset(lines)
    try:
        dataset.load(lines, format="csv", delimiter=delimiter)
    except (csv.Error, tablib.InvalidDimensions) as error:
        raise ValidationError(
            _("Het bestand is geen leesbare CSV-export: %(reason)s") % {"reason": error}
        ) from error
    headers = [" ".join((h or "").split()) for h in (dataset.headers or [])]
    if len(headers) < 2:
        raise ValidationError(
            _("Het bestand heeft maar één kolom. Is het scheidingsteken ; of , gebruikt?")
        )
    if not any(headers) or sum(_looks_like_data(h) for h in headers if h):
        raise ValidationError(
            _(
                "De eerste regel moet de kolomnamen bevatten (bijvoorbeeld "
                "Leerlingnummer;Roepnaam;Achternaam;Groep). Exporteer met kolomkoppen."
            )
        )
    headers = _unique_headers(headers)
    rows = [
        (line, [(cell or "").strip() for cell in row])
        for line, row in zip(dataset.line_numbers, dataset, strict=True)
    ]
    if not rows:
        raise ValidationError(_("Het bestand bevat alleen kolomnamen en geen leerlingen."))
    return ParsedFile(headers, rows, encoding, delimiter, dataset.long_lines)


def _unique_headers(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    result = []
    for index, header in enumerate(headers):
        name = header or _("kolom %(n)s") % {"n": index + 1}
        seen[name] = seen.get(name, 0) + 1
        result.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return result


# --- suggesting a mapping -----------------------------------------------------------------


def normalise_header(header: str) -> str:
    """Lower case, punctuation to spaces, digits apart: "Ouder/verzorger1 E-mail" becomes
    "ouder verzorger 1 e mail". The key of a remembered mapping."""
    text = unicodedata.normalize("NFKC", header).casefold()
    text = re.sub(r"[._\-/():#*,;'\"\[\]]+", " ", text)
    text = re.sub(r"(?<=[^\W\d])(?=\d)|(?<=\d)(?=[^\W\d])", " ", text)
    return " ".join(text.split())


# Exact (normalised) headers of the pupil's own fields, best first.
PUPIL_SYNONYMS = {
    "pupil_number": (
        "leerlingnummer",
        "leerling nummer",
        "leerling nr",
        "leerlingnr",
        "llnr",
        "ll nr",
        "lln nr",
        "stamnummer",
        "stamnr",
        "leerling id",
        "leerlingid",
        "nummer leerling",
    ),
    "first_name": (
        "roepnaam",
        "roepnaam leerling",
        "leerling roepnaam",
        "voornaam",
        "voornaam leerling",
        "leerling voornaam",
    ),
    "infix": (
        "tussenvoegsel",
        "tussenvoegsels",
        "voorvoegsel",
        "voorvoegsels",
        "tussenvoegsel leerling",
        "voorvoegsel leerling",
        "leerling tussenvoegsel",
        "leerling voorvoegsel",
        "tussenv",
        "voorv",
    ),
    "last_name": (
        "achternaam",
        "achternaam leerling",
        "leerling achternaam",
        "geslachtsnaam",
        "familienaam",
    ),
    "date_of_birth": (
        "geboortedatum",
        "geboortedatum leerling",
        "leerling geboortedatum",
        "geboorte datum",
        "geb datum",
        "gebdatum",
        "geb dat",
        "geboren",
    ),
    "group": (
        "groep",
        "stamgroep",
        "groepsnaam",
        "huidige groep",
        "groep leerling",
        "klas",
        "stamklas",
        "basisgroep",
        "jaargroep",
        "leerjaar",
    ),
}
# Words that make a header a guardian's, and the words that say which part, best first.
GUARDIAN_WORDS = {"ouder", "ouders", "verzorger", "verzorgers", "ov", "contactpersoon"}
SLOT_WORDS = {"1": 1, "2": 2, "eerste": 1, "tweede": 2}
GUARDIAN_PART_WORDS = (
    ("email", ("e mailadres", "emailadres", "e mail", "email", "mailadres", "mail")),
    ("phone", ("mobiel", "gsm", "telefoonnummer", "telefoon", "tel nr", "telnr", "tel")),
    ("custody", ("wettelijk gezag", "ouderlijk gezag", "gezag")),
    ("relation", ("relatie", "soort", "rol")),
    ("infix", ("tussenvoegsel", "voorvoegsel", "tussenv", "voorv")),
    ("first_name", ("roepnaam", "voornaam", "voorletters")),
    ("last_name", ("achternaam", "geslachtsnaam")),
    ("name", ("volledige naam", "naam")),
)
FORBIDDEN_WORDS = ("bsn", "burgerservicenummer", "sofinummer", "sofi nummer", "onderwijsnummer")


def is_forbidden_header(header: str) -> bool:
    """The BSN (and its predecessors) is never imported: the pupil number is what matches."""
    words = normalise_header(header)
    return any(re.search(rf"\b{re.escape(w)}\b", words) for w in FORBIDDEN_WORDS)


def _has_phrase(words: str, phrase: str) -> bool:
    return re.search(rf"(?:^| ){re.escape(phrase)}(?: |$)", words) is not None


def _guardian_suggestion(header: str) -> tuple[str, int] | None:
    """(field, rank) for a guardian's column, or None."""
    words = normalise_header(header)
    tokens = words.split()
    is_guardian = any(t in GUARDIAN_WORDS for t in tokens)
    slot = next((SLOT_WORDS[t] for t in tokens if t in SLOT_WORDS), 1)
    for part, phrases in GUARDIAN_PART_WORDS:
        for rank, phrase in enumerate(phrases):
            if _has_phrase(words, phrase) or (part == "email" and "mail" in words):
                # A relation or custody column is always a guardian's; other parts
                # only with a guardian word ("Achternaam" alone is the pupil's).
                if is_guardian or part in {"relation", "custody"}:
                    return guardian_field(slot, part), rank
                return None
    return None


def suggest_mapping(headers: list[str]) -> dict[str, str]:
    """A target field (or "" to skip) for each header, each field at most once."""
    candidates: list[tuple[int, int, str, str]] = []  # (rank, column, header, field)
    for column, header in enumerate(headers):
        if is_forbidden_header(header):
            continue
        words = normalise_header(header)
        for target, synonyms in PUPIL_SYNONYMS.items():
            if words in synonyms:
                candidates.append((synonyms.index(words), column, header, target))
                break
        else:
            found = _guardian_suggestion(header)
            if found:
                candidates.append((found[1], column, header, found[0]))
    mapping = dict.fromkeys(headers, "")
    taken: set[str] = set()
    for _rank, _column, header, target in sorted(candidates):
        if target not in taken:
            mapping[header] = target
            taken.add(target)
    return mapping


def initial_mapping(school: School, headers: list[str]) -> dict[str, str]:
    """The school's remembered mapping where it knows a header, else the suggestion."""
    remembered = ImportMapping.objects.filter(school=school).values_list("mapping", flat=True)
    remembered = next(iter(remembered), None) or {}
    suggestion = suggest_mapping(headers)
    valid = dict(target_choices())
    mapping = {}
    for header in headers:
        key = normalise_header(header)
        value = remembered.get(key, suggestion[header])
        mapping[header] = value if value in valid and not is_forbidden_header(header) else ""
    return mapping


def check_mapping(mapping: dict[str, str]) -> list[str]:
    """What is wrong with a mapping, in Dutch; empty when it can be used."""
    problems = []
    used: dict[str, list[str]] = defaultdict(list)
    for header, target in mapping.items():
        if target:
            used[target].append(header)
            if is_forbidden_header(header):
                problems.append(
                    _("De kolom „%(h)s” (BSN) wordt nooit geïmporteerd.") % {"h": header}
                )
    for target, headers in used.items():
        if len(headers) > 1:
            problems.append(
                _("„%(field)s” is gekozen voor meer dan één kolom: %(cols)s.")
                % {"field": field_label(target), "cols": ", ".join(headers)}
            )
    missing = [str(PUPIL_FIELDS[f]) for f in REQUIRED_FIELDS if f not in used]
    if missing:
        problems.append(_("Kies ook een kolom voor: %(fields)s.") % {"fields": ", ".join(missing)})
    return problems


# --- reading the rows ---------------------------------------------------------------------

DATE_FORMATS = ("%d-%m-%Y", "%d/%m/%Y", "%Y-%m-%d", "%d.%m.%Y", "%Y/%m/%d")


def _parse_date_or_none(value: str) -> datetime.date | None:
    value = value.strip().split(" ")[0].split("T")[0]
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


GROUP_RE = re.compile(r"^(?:groep|gr\.?|klas)?\s*(\d{1,2}(?:\s*[/-]\s*\d{1,2})?)\s*([a-z]?)$")


def class_name(value: str) -> str:
    """ "5", "5a", "Groep 5", "groep 5A" become "groep 5" / "groep 5a"; "1/2b" becomes
    "groep 1/2b"; a named group ("De Dolfijnen") stays as it is."""
    text = " ".join(value.split())
    match = GROUP_RE.match(text.casefold())
    if match:
        return "groep " + re.sub(r"\s+", "", match.group(1)) + match.group(2)
    return text


def class_key(name: str) -> str:
    return class_name(name).casefold()


RELATIONS = {
    "moeder": GuardianRelation.Relation.MOTHER,
    "vader": GuardianRelation.Relation.FATHER,
    "ouder": GuardianRelation.Relation.PARENT,
    "ouder verzorger": GuardianRelation.Relation.PARENT,
    "verzorger": GuardianRelation.Relation.CARER,
    "verzorgster": GuardianRelation.Relation.CARER,
    "pleegouder": GuardianRelation.Relation.CARER,
    "pleegmoeder": GuardianRelation.Relation.CARER,
    "pleegvader": GuardianRelation.Relation.CARER,
    "voogd": GuardianRelation.Relation.GUARDIAN,
}


def parse_relation(value: str) -> str:
    text = normalise_header(value)
    if not text:
        return ""
    if text in RELATIONS:
        return RELATIONS[text]
    for word, relation in (
        ("voogd", GuardianRelation.Relation.GUARDIAN),
        ("pleeg", GuardianRelation.Relation.CARER),
        ("verzorg", GuardianRelation.Relation.CARER),
        ("stief", GuardianRelation.Relation.OTHER),
        ("groot", GuardianRelation.Relation.OTHER),
        ("moeder", GuardianRelation.Relation.MOTHER),
        ("vader", GuardianRelation.Relation.FATHER),
        ("ouder", GuardianRelation.Relation.PARENT),
    ):
        if word in text:
            return relation
    return GuardianRelation.Relation.OTHER


YES = {"ja", "j", "yes", "y", "1", "true", "waar", "x", "wel"}
NO = {"nee", "n", "no", "0", "false", "onwaar", "geen"}


def parse_custody(value: str) -> bool | None:
    text = value.strip().casefold()
    if not text:
        return None
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValueError(value)


INFIXES = {"de", "den", "der", "van", "te", "ten", "ter", "het", "'t", "in", "op", "d'", "la", "le"}


def split_name(value: str) -> tuple[str, str]:
    """A full name as first name and last name: "Ingrid de Vries" and "Vries, Ingrid de"
    both give ("Ingrid", "de Vries")."""
    text = " ".join(value.split())
    if "," in text:
        last, rest = (part.strip() for part in text.split(",", 1))
        tokens = rest.split()
        infix = []
        while tokens and tokens[-1].casefold() in INFIXES:
            infix.insert(0, tokens.pop())
        return " ".join(tokens), " ".join([*infix, last]).strip()
    first, _sep, last = text.partition(" ")
    return (first, last) if last else ("", first)


def join_name(infix: str, last: str) -> str:
    return " ".join(part for part in (infix.strip(), last.strip()) if part)


def phone_digits(value: str) -> str:
    return re.sub(r"[^\d+]", "", value or "")


def name_key(first: str, last: str) -> str:
    return f"{first} {last}".casefold().strip()


@dataclass
class GuardianData:
    first_name: str
    last_name: str
    email: str = ""
    phone: str = ""
    relation: str = ""
    custody: bool | None = None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def name_key(self) -> str:
        return name_key(self.first_name, self.last_name)

    @property
    def identity(self) -> tuple[str, str]:
        return (self.email.casefold(), self.name_key)

    @property
    def relation_label(self) -> str:
        return GuardianRelation.Relation(self.relation).label if self.relation else ""


@dataclass
class PupilRecord:
    lines: list[int]
    number: str
    first_name: str
    last_name: str
    date_of_birth: datetime.date | None
    group: str
    guardians: list[GuardianData] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass
class RowError:
    line: int
    reason: str
    number: str = ""
    name: str = ""


class RowProblem(Exception):
    pass


def _cells(row: list[str], columns: dict[str, int]) -> dict[str, str]:
    return {target: (row[i] if i < len(row) else "") for target, i in columns.items()}


def _guardian_from(values: dict[str, str], slot: int) -> GuardianData | None:
    def get(part):
        return values.get(guardian_field(slot, part), "").strip()

    parts = {part: get(part) for part in GUARDIAN_PARTS}
    if not any(parts.values()):
        return None
    first, last = parts["first_name"], join_name(parts["infix"], parts["last_name"])
    if parts["name"] and not (first and last):
        split_first, split_last = split_name(parts["name"])
        first, last = first or split_first, last or split_last
    label = _("ouder/verzorger %(n)s") % {"n": slot}
    if not last:
        raise RowProblem(_("De naam van %(who)s ontbreekt.") % {"who": label})
    if len(first) > 100 or len(last) > 100:
        raise RowProblem(_("De naam van %(who)s is te lang.") % {"who": label})
    email = parts["email"]
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise RowProblem(
                _("Het e-mailadres „%(email)s” van %(who)s is ongeldig.")
                % {"email": email, "who": label}
            ) from None
        if len(email) > 254:
            raise RowProblem(_("Het e-mailadres van %(who)s is te lang.") % {"who": label})
    if len(parts["phone"]) > 30:
        raise RowProblem(_("Het telefoonnummer van %(who)s is te lang.") % {"who": label})
    try:
        custody = parse_custody(parts["custody"])
    except ValueError:
        raise RowProblem(
            _("Gezag „%(value)s” van %(who)s is niet ja of nee.")
            % {"value": parts["custody"], "who": label}
        ) from None
    return GuardianData(
        first_name=first,
        last_name=last,
        email=email,
        phone=parts["phone"],
        relation=parse_relation(parts["relation"]),
        custody=custody,
    )


def _record_from(line: int, values: dict[str, str]) -> PupilRecord:
    number = values.get("pupil_number", "").strip()
    first = values.get("first_name", "").strip()
    last = join_name(values.get("infix", ""), values.get("last_name", ""))
    if not number:
        raise RowProblem(_("Geen leerlingnummer."))
    if len(number) > 30:
        raise RowProblem(_("Het leerlingnummer is langer dan 30 tekens."))
    if not first or not last:
        raise RowProblem(_("De roepnaam of achternaam van de leerling ontbreekt."))
    if len(first) > 100 or len(last) > 100:
        raise RowProblem(_("De naam van de leerling is te lang."))
    raw_date = values.get("date_of_birth", "").strip()
    date_of_birth = None
    if raw_date:
        date_of_birth = _parse_date_or_none(raw_date)
        if date_of_birth is None:
            raise RowProblem(
                _("De geboortedatum „%(value)s” is niet te lezen (schrijf dd-mm-jjjj).")
                % {"value": raw_date}
            )
        if not datetime.date(1990, 1, 1) <= date_of_birth <= timezone.localdate():
            raise RowProblem(
                _("De geboortedatum „%(value)s” kan niet kloppen.") % {"value": raw_date}
            )
    group = class_name(values.get("group", ""))
    if not group:
        raise RowProblem(_("Geen groep."))
    if len(group) > 50:
        raise RowProblem(_("De groep „%(value)s” is te lang.") % {"value": group})
    guardians: list[GuardianData] = []
    for slot in GUARDIAN_SLOTS:
        guardian = _guardian_from(values, slot)
        if guardian and all(g.identity != guardian.identity for g in guardians):
            guardians.append(guardian)
    return PupilRecord([line], number, first, last, date_of_birth, group, guardians)


def read_records(
    parsed: ParsedFile, mapping: dict[str, str]
) -> tuple[list[PupilRecord], list[RowError], set[str]]:
    """The pupils of the file (rows of one pupil number merged), the rows with errors,
    and every pupil number the file mentions (error rows too: they are not leaving)."""
    columns = {
        target: parsed.headers.index(header)
        for header, target in mapping.items()
        if target and header in parsed.headers and not is_forbidden_header(header)
    }
    records: dict[str, PupilRecord] = {}
    errors: list[RowError] = []
    numbers: set[str] = set()
    conflicts: dict[str, list[int]] = {}
    for line, row in parsed.rows:
        if not any(row):
            continue
        values = _cells(row, columns)
        number = values.get("pupil_number", "").strip()
        if number:
            numbers.add(number)
        last = join_name(values.get("infix", ""), values.get("last_name", ""))
        name = " ".join(p for p in (values.get("first_name", "").strip(), last) if p)
        if line in parsed.long_lines:
            errors.append(
                RowError(
                    line,
                    _(
                        "Deze regel heeft meer kolommen dan de kopregel "
                        "(staat er een „%(d)s” in een naam of adres?)."
                    )
                    % {"d": "tab" if parsed.delimiter == "\t" else parsed.delimiter},
                    number,
                    name,
                )
            )
            continue
        try:
            record = _record_from(line, values)
        except RowProblem as problem:
            errors.append(RowError(line, str(problem), number, name))
            continue
        if record.number in conflicts:
            conflicts[record.number].append(line)
            continue
        known = records.get(record.number)
        if known is None:
            records[record.number] = record
            continue
        same = (
            name_key(known.first_name, known.last_name)
            == name_key(record.first_name, record.last_name)
            and known.group.casefold() == record.group.casefold()
            and (known.date_of_birth == record.date_of_birth or not record.date_of_birth)
        )
        if not same:
            conflicts[record.number] = [*known.lines, line]
            del records[record.number]
            continue
        known.lines.append(line)
        seen = {g.identity for g in known.guardians}
        known.guardians += [g for g in record.guardians if g.identity not in seen]
    for number, lines in conflicts.items():
        for line in lines:
            errors.append(
                RowError(
                    line,
                    _(
                        "Leerlingnummer %(number)s staat op meer regels (%(lines)s) met een "
                        "andere naam, geboortedatum of groep."
                    )
                    % {"number": number, "lines": ", ".join(map(str, lines))},
                    number,
                )
            )
    errors.sort(key=lambda e: e.line)
    return list(records.values()), errors, numbers


# --- the preview --------------------------------------------------------------------------


@dataclass
class NewClass:
    name: str
    instance: SchoolClass | None = None


@dataclass
class NewGuardian:
    data: GuardianData
    instance: Guardian | None = None


@dataclass
class GuardianPlan:
    data: GuardianData
    guardian: Guardian | None = None  # an existing guardian
    new: NewGuardian | None = None  # or one to create (shared by siblings in the file)
    relation: GuardianRelation | None = None  # the existing link with this pupil
    guardian_updates: dict = field(default_factory=dict)
    relation_updates: dict = field(default_factory=dict)

    @property
    def changes(self) -> list[str]:
        who = self.data.name
        if self.relation is None:
            if self.new is not None:
                return [_("nieuwe ouder/verzorger %(who)s") % {"who": who}]
            return [
                _("ouder/verzorger %(who)s gekoppeld (al bekend bij een broer of zus)")
                % {"who": who}
            ]
        empty = _("(leeg)")
        old = {
            "email": self.guardian.email or empty,
            "phone": self.guardian.phone or empty,
            "relation": self.relation.get_relation_display(),
            "has_custody": _("ja") if self.relation.has_custody else _("nee"),
        }
        shown = {
            "relation": lambda value: GuardianRelation.Relation(value).label,
            "has_custody": lambda value: _("ja") if value else _("nee"),
        }
        labels = {
            "email": _("e-mailadres"),
            "phone": _("telefoon"),
            "relation": _("relatie"),
            "has_custody": _("gezag"),
        }
        updates = {**self.guardian_updates, **self.relation_updates}
        return [
            _("%(what)s van %(who)s: %(old)s → %(new)s")
            % {
                "what": labels[key],
                "who": who,
                "old": old[key],
                "new": shown.get(key, str)(value),
            }
            for key, value in updates.items()
        ]


@dataclass
class PupilPlan:
    record: PupilRecord
    pupil: Pupil | None  # None: a new pupil
    school_class: SchoolClass | None
    new_class: NewClass | None
    updates: dict = field(default_factory=dict)
    changes: list[str] = field(default_factory=list)
    guardians: list[GuardianPlan] = field(default_factory=list)

    @property
    def class_name(self) -> str:
        return self.new_class.name if self.new_class else self.school_class.name


@dataclass
class Preview:
    new: list[PupilPlan]
    changed: list[PupilPlan]
    unchanged: list[PupilPlan]
    leaving: list[Pupil]
    errors: list[RowError]
    new_classes: list[NewClass]
    new_guardians: list[NewGuardian]

    def counts(self) -> dict[str, int]:
        return {
            "new": len(self.new),
            "changed": len(self.changed),
            "unchanged": len(self.unchanged),
            "leaving": len(self.leaving),
            "errors": len(self.errors),
            "classes_created": len(self.new_classes),
            "guardians_created": len(self.new_guardians),
        }


class _SchoolState:
    """The school's classes of the year, pupils and guardian links, loaded in four queries."""

    def __init__(self, school: School, school_year: str):
        self.classes = {
            class_key(c.name): c
            for c in SchoolClass.objects.filter(school=school, school_year=school_year)
        }
        self.pupils = list(Pupil.objects.filter(school=school).select_related("school_class"))
        self.by_number = {p.pupil_number: p for p in self.pupils if p.pupil_number}
        self.unnumbered: dict[tuple, list[Pupil]] = defaultdict(list)
        for p in self.pupils:
            if not p.pupil_number and p.date_of_birth:
                key = (name_key(p.first_name, p.last_name), p.date_of_birth)
                self.unnumbered[key].append(p)
        self.links: dict[int, list[GuardianRelation]] = defaultdict(list)
        self.by_email: dict[str, list[Guardian]] = defaultdict(list)
        self.by_name_phone: dict[tuple, list[Guardian]] = defaultdict(list)
        seen = set()
        links = GuardianRelation.objects.filter(pupil__school=school).select_related("guardian")
        for link in links.order_by("pk"):
            self.links[link.pupil_id].append(link)
            guardian = link.guardian
            if guardian.pk in seen:
                continue
            seen.add(guardian.pk)
            if guardian.email:
                self.by_email[guardian.email.casefold()].append(guardian)
            if guardian.phone:
                key = (_gname(guardian), phone_digits(guardian.phone))
                self.by_name_phone[key].append(guardian)


def _sibling_key(data: GuardianData) -> tuple | None:
    """How a guardian is recognised beside a brother or sister: e-mail and name (two
    parents may share one family address), or, with no e-mail, name and phone."""
    if data.email:
        return ("email", data.email.casefold(), data.name_key)
    if data.phone:
        return ("phone", data.name_key, phone_digits(data.phone))
    return None


def _sibling_guardian(state: _SchoolState, data: GuardianData) -> Guardian | None:
    key = _sibling_key(data)
    if key is None:
        return None
    if key[0] == "email":
        found = [g for g in state.by_email.get(key[1], []) if _gname(g) == key[2]]
    else:
        found = state.by_name_phone.get((key[1], key[2]), [])
    return found[0] if found else None


def _gname(guardian: Guardian) -> str:
    return name_key(guardian.first_name, guardian.last_name)


def _same_email(guardian: Guardian, data: GuardianData) -> bool:
    return bool(data.email) and guardian.email.casefold() == data.email.casefold()


# How a pupil's own guardians are matched, pass after pass: e-mail and name, then name,
# then e-mail alone (a changed name). Two parents sharing one address stay two people.
OWN_PASSES = (
    lambda g, d: _same_email(g, d) and _gname(g) == d.name_key,
    lambda g, d: _gname(g) == d.name_key,
    _same_email,
)


class _NewGuardians:
    """Guardians to create, shared by brothers and sisters in the same file."""

    def __init__(self):
        self.all: list[NewGuardian] = []
        self.by_key: dict[tuple, NewGuardian] = {}

    def get(self, data: GuardianData, taken: list[NewGuardian]) -> NewGuardian:
        key = _sibling_key(data)
        found = self.by_key.get(key) if key else None
        if found is not None and all(found is not t for t in taken):
            return found
        new = NewGuardian(data)
        self.all.append(new)
        if key and key not in self.by_key:
            self.by_key[key] = new
        return new


def _plan_guardians(
    state: _SchoolState,
    pupil: Pupil | None,
    guardians: list[GuardianData],
    new_guardians: _NewGuardians,
) -> list[GuardianPlan]:
    links = list(state.links.get(pupil.pk, [])) if pupil else []
    free = list(links)
    matched: dict[int, GuardianRelation] = {}
    for test in OWN_PASSES:
        for index, data in enumerate(guardians):
            if index in matched:
                continue
            link = next((lk for lk in free if test(lk.guardian, data)), None)
            if link is not None:
                matched[index] = link
                free.remove(link)
    linked = {link.guardian_id for link in links}
    plans: list[GuardianPlan] = []
    for index, data in enumerate(guardians):
        link = matched.get(index)
        sibling = None if link else _sibling_guardian(state, data)
        if link is not None:
            plan = GuardianPlan(data, guardian=link.guardian, relation=link)
        elif sibling is not None and sibling.pk not in linked | {
            p.guardian.pk for p in plans if p.guardian
        }:
            plan = GuardianPlan(data, guardian=sibling)
        else:
            taken = [p.new for p in plans if p.new]
            plan = GuardianPlan(data, new=new_guardians.get(data, taken))
        _guardian_updates(plan)
        plans.append(plan)
    return plans


def _guardian_updates(plan: GuardianPlan) -> None:
    data, guardian, link = plan.data, plan.guardian, plan.relation
    if guardian is not None:
        if data.email and data.email.casefold() != guardian.email.casefold():
            plan.guardian_updates["email"] = data.email
        if data.phone and phone_digits(data.phone) != phone_digits(guardian.phone):
            plan.guardian_updates["phone"] = data.phone
    if link is not None:
        if data.relation and data.relation != link.relation:
            plan.relation_updates["relation"] = data.relation
        if data.custody is not None and data.custody != link.has_custody:
            plan.relation_updates["has_custody"] = data.custody


def _pupil_changes(plan: PupilPlan) -> None:
    pupil, record = plan.pupil, plan.record
    empty = _("(leeg)")

    def change(field_name, label, old, new, shown_old=None, shown_new=None):
        plan.updates[field_name] = new
        plan.changes.append(
            _("%(what)s: %(old)s → %(new)s")
            % {
                "what": label,
                "old": shown_old if shown_old is not None else (old or empty),
                "new": shown_new if shown_new is not None else (new or empty),
            }
        )

    if pupil.pupil_number != record.number:
        change("pupil_number", _("leerlingnummer"), pupil.pupil_number, record.number)
    if pupil.first_name != record.first_name:
        change("first_name", _("roepnaam"), pupil.first_name, record.first_name)
    if pupil.last_name != record.last_name:
        change("last_name", _("achternaam"), pupil.last_name, record.last_name)
    if record.date_of_birth and pupil.date_of_birth != record.date_of_birth:
        change(
            "date_of_birth",
            _("geboortedatum"),
            pupil.date_of_birth,
            record.date_of_birth,
            shown_old=pupil.date_of_birth.strftime("%d-%m-%Y") if pupil.date_of_birth else empty,
            shown_new=record.date_of_birth.strftime("%d-%m-%Y"),
        )
    if plan.new_class is not None or pupil.school_class_id != plan.school_class.pk:
        old = str(pupil.school_class) if pupil.school_class else empty
        new = plan.new_class.name if plan.new_class else plan.school_class.name
        plan.updates["school_class"] = plan.new_class or plan.school_class
        plan.changes.append(_("groep: %(old)s → %(new)s") % {"old": old, "new": new})
    if pupil.left_on is not None:
        plan.updates["left_on"] = None
        plan.changes.append(
            _("weer op school (vertrokken op %(date)s)")
            % {"date": pupil.left_on.strftime("%d-%m-%Y")}
        )


def build_preview(
    parsed: ParsedFile, school: School, school_year: str, mapping: dict[str, str]
) -> Preview:
    """What importing ``parsed`` into ``school`` would do. Reads only."""
    records, errors, numbers = read_records(parsed, mapping)
    state = _SchoolState(school, school_year)
    new_classes: dict[str, NewClass] = {}
    new_guardians = _NewGuardians()
    claimed: set[int] = set()
    preview = Preview([], [], [], [], errors, [], [])
    for record in records:
        pupil = state.by_number.get(record.number)
        if pupil is None and record.date_of_birth:
            candidates = [
                p
                for p in state.unnumbered.get(
                    (name_key(record.first_name, record.last_name), record.date_of_birth), []
                )
                if p.pk not in claimed
            ]
            if len(candidates) == 1:
                pupil = candidates[0]
        if pupil is not None:
            claimed.add(pupil.pk)
        key = class_key(record.group)
        school_class = state.classes.get(key)
        new_class = None
        if school_class is None:
            new_class = new_classes.setdefault(key, NewClass(record.group))
        plan = PupilPlan(record, pupil, school_class, new_class)
        plan.guardians = _plan_guardians(state, pupil, record.guardians, new_guardians)
        if pupil is None:
            preview.new.append(plan)
            continue
        _pupil_changes(plan)
        for guardian_plan in plan.guardians:
            plan.changes += guardian_plan.changes
        (preview.changed if plan.changes else preview.unchanged).append(plan)
    preview.leaving = sorted(
        (
            p
            for p in state.pupils
            if p.left_on is None and p.pk not in claimed and p.pupil_number not in numbers
        ),
        key=lambda p: (p.school_class.name if p.school_class else "", p.last_name, p.first_name),
    )
    preview.new_classes = list(new_classes.values())
    preview.new_guardians = new_guardians.all
    return preview


def preview_run(run: ImportRun) -> Preview:
    parsed = parse_file(bytes(run.raw_file))
    return build_preview(parsed, run.school, run.school_year, run.mapping)


# --- the services -------------------------------------------------------------------------


def import_upload(
    school: School, *, by, file_name: str, data: bytes, school_year: str | None = None
) -> ImportRun:
    """Keep an upload for its mapping step and preview. The file must be readable; its
    mapping is chosen next (``initial_mapping`` proposes one, ``import_save_mapping``
    keeps it)."""
    require_managed(by, school)
    parsed = parse_file(data)
    with acting_as(by), transaction.atomic():
        # A new upload replaces one still waiting in preview: its file goes (data
        # minimisation), so at most one export per school is kept at a time.
        for waiting in ImportRun.objects.filter(school=school, status=ImportRun.Status.PREVIEW):
            waiting.status = ImportRun.Status.CANCELLED
            waiting.raw_file = b""
            waiting.save(update_fields=["status", "raw_file"])
        return ImportRun.objects.create(
            school=school,
            school_year=school_year or current_school_year(),
            uploaded_by=by,
            file_name=file_name[:255],
            encoding=parsed.encoding,
            delimiter=parsed.delimiter,
            mapping={},
            raw_file=data,
        )


def _require_preview(run: ImportRun) -> None:
    if run.status != ImportRun.Status.PREVIEW:
        raise ValidationError(
            _("Deze import is al doorgevoerd of geannuleerd; upload het bestand opnieuw.")
        )


def import_save_mapping(run: ImportRun, mapping: dict[str, str], *, by) -> ImportRun:
    """Use ``mapping`` for this run and remember it for the school's next import."""
    require_managed(by, run.school)
    _require_preview(run)
    problems = check_mapping(mapping)
    if problems:
        raise ValidationError(problems)
    with acting_as(by), transaction.atomic():
        run.mapping = mapping
        run.save(update_fields=["mapping"])
        remembered, _created = ImportMapping.objects.get_or_create(school=run.school)
        remembered.mapping = {normalise_header(h): target for h, target in mapping.items()}
        remembered.updated_by = by
        remembered.save()
    return run


def import_cancel(run: ImportRun, *, by) -> None:
    """Stop an import that waits in preview; its file is removed."""
    require_managed(by, run.school)
    with acting_as(by), transaction.atomic():
        run = ImportRun.objects.select_for_update().get(pk=run.pk)
        _require_preview(run)
        run.status = ImportRun.Status.CANCELLED
        run.raw_file = b""
        run.save(update_fields=["status", "raw_file"])


def import_apply(
    run: ImportRun, *, by, leaving_on: datetime.date | None = None, mark_leaving: bool = False
) -> dict[str, int]:
    """Write what the preview of ``run`` shows, in one transaction, with ``by`` in the change
    history. The preview is computed again from the stored file; what the browser showed is
    not trusted. Pupils missing from the file get ``leaving_on`` only with ``mark_leaving``."""
    require_managed(by, run.school)
    with acting_as(by), transaction.atomic():
        # One import at a time per school: two at once would both create the same pupils.
        School.objects.select_for_update().filter(pk=run.school_id).first()
        run = ImportRun.objects.select_for_update().select_related("school").get(pk=run.pk)
        _require_preview(run)
        if not run.mapping:
            raise ValidationError(_("Kies eerst welke kolom wat bevat."))
        preview = preview_run(run)
        counts = preview.counts()
        _write(run, preview)
        leaving_on = leaving_on or timezone.localdate()
        marked = 0
        if mark_leaving:
            for pupil in preview.leaving:
                pupil.left_on = leaving_on
                pupil.save(update_fields=["left_on"])
                marked += 1
        counts["leaving_marked"] = marked
        run.counts = counts
        run.status = ImportRun.Status.APPLIED
        run.raw_file = b""
        run.applied_by = by
        run.applied_at = timezone.now()
        run.leaving_on = leaving_on if mark_leaving else None
        run.save()
    return counts


def _write(run: ImportRun, preview: Preview) -> None:
    for new_class in preview.new_classes:
        new_class.instance = SchoolClass.objects.create(
            school=run.school, school_year=run.school_year, name=new_class.name
        )
    for new in preview.new_guardians:
        data = new.data
        new.instance = Guardian.objects.create(
            first_name=data.first_name, last_name=data.last_name, email=data.email, phone=data.phone
        )
    for plan in preview.new:
        record = plan.record
        plan.pupil = Pupil.objects.create(
            school=run.school,
            pupil_number=record.number,
            first_name=record.first_name,
            last_name=record.last_name,
            date_of_birth=record.date_of_birth,
            school_class=plan.new_class.instance if plan.new_class else plan.school_class,
        )
    for plan in preview.changed:
        updates = dict(plan.updates)
        if isinstance(updates.get("school_class"), NewClass):
            updates["school_class"] = updates["school_class"].instance
        if updates:
            for name, value in updates.items():
                setattr(plan.pupil, name, value)
            plan.pupil.save(update_fields=list(updates))
    guardian_updates: dict[int, tuple[Guardian, dict]] = {}
    for plan in preview.new + preview.changed:
        for g in plan.guardians:
            if g.guardian_updates:
                guardian_updates.setdefault(g.guardian.pk, (g.guardian, {}))[1].update(
                    g.guardian_updates
                )
            guardian = g.guardian if g.guardian is not None else g.new.instance
            if g.relation is None:
                GuardianRelation.objects.create(
                    pupil=plan.pupil,
                    guardian=guardian,
                    relation=g.data.relation or GuardianRelation.Relation.PARENT,
                    has_custody=True if g.data.custody is None else g.data.custody,
                )
            elif g.relation_updates:
                for name, value in g.relation_updates.items():
                    setattr(g.relation, name, value)
                g.relation.save(update_fields=list(g.relation_updates))
    for guardian, updates in guardian_updates.values():
        for name, value in updates.items():
            setattr(guardian, name, value)
        guardian.save(update_fields=list(updates))

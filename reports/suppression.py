"""Small numbers: a count of 1 to 4 could point to a child, so it is shown as "< 5".

A table of counts is a set of *lines*: parts and the total they add up to (the signals per
channel and all signals; one channel at every school and at the whole board). Hiding one
part of a line is not enough when the total and the other parts are shown: the total minus
the others gives it back, and so does a sum that fits the hidden counts one way only
(three hidden counts that add up to 3 are three ones). Such a line gets another part hidden
(the smallest shown one above zero), until no line gives anything away. A part hidden that
way is at least 5 and is shown as "≥ 5"; zeros stay visible, they point to nobody.
"""

from dataclasses import dataclass

THRESHOLD = 5

SHOWN, SMALL, COVER = "", "small", "cover"


@dataclass
class Cell:
    """One count and whether it may be shown."""

    value: int
    hidden: str = SHOWN  # SMALL: 1–4; COVER: hidden so a small one cannot be worked out

    @property
    def is_hidden(self) -> bool:
        return bool(self.hidden)

    @property
    def display(self) -> str:
        if self.hidden == SMALL:
            return f"< {THRESHOLD}"
        if self.hidden == COVER:
            return f"≥ {THRESHOLD}"
        return str(self.value)

    @property
    def chart_value(self) -> int | None:
        """For a chart: the count, or nothing (no bar) where it is hidden."""
        return None if self.hidden else self.value

    def __str__(self) -> str:
        return self.display


def single(value: int) -> Cell:
    """A count that is not part of a table."""
    return Cell(value, SMALL if 0 < value < THRESHOLD else SHOWN)


def _exposed(cells: list[Cell], parts: list[int], total: int) -> bool:
    """Could someone work out a hidden count of this line from what it shows?

    Shown: the visible parts and (unless hidden) the total. A small count lies between 1
    and 4, a covered one is at least 5. The hidden parts are given away when there is one,
    or when their sum (total minus the shown parts) leaves them a single possibility:
    each at its least, or each small one at 4."""
    hidden = [i for i in parts if cells[i].is_hidden]
    if cells[total].is_hidden:
        return not hidden  # the shown parts add up to the total
    if not hidden:
        return False
    if len(hidden) == 1:
        return True
    rest = cells[total].value - sum(cells[i].value for i in parts if not cells[i].is_hidden)
    small = sum(1 for i in hidden if cells[i].hidden == SMALL)
    covered = len(hidden) - small
    least = small + THRESHOLD * covered
    return rest == least or (covered == 0 and rest == (THRESHOLD - 1) * small)


def protect(cells: list[Cell], lines: list[tuple[list[int], int]]) -> list[Cell]:
    """Hide the small counts of ``cells`` and whatever would give them away.

    ``lines``: (indexes of the parts, index of their total) into ``cells``. A line that
    gives a hidden count away gets its smallest shown part above zero hidden too (or its
    total, when no such part is left), and every line through that cell is looked at
    again. Changes the cells in place and returns them."""
    for cell in cells:
        if 0 < cell.value < THRESHOLD:
            cell.hidden = SMALL
    through: dict[int, list[int]] = {}
    for n, (parts, total) in enumerate(lines):
        for i in (*parts, total):
            through.setdefault(i, []).append(n)
    queue = list(range(len(lines)))
    while queue:
        parts, total = lines[queue.pop()]
        if not _exposed(cells, parts, total):
            continue
        candidates = [i for i in parts if not cells[i].is_hidden and cells[i].value]
        if candidates:
            cover = min(candidates, key=lambda i: (cells[i].value, i))
        elif not cells[total].is_hidden:
            cover = total
        else:
            continue  # nothing left to hide: every part is hidden or zero
        cells[cover].hidden = COVER
        queue.extend(through[cover])
    return cells

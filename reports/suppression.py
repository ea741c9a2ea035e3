"""Small numbers: a count of 1 to 4 could point to a child, so it is shown as "< 5".

A table of counts is a set of *lines*: parts and the total they add up to (the signals per
channel and all signals; one channel at every school and at the whole board). Hiding one
part of a line is not enough when the total and the other parts are shown: the total minus
the others gives it back. So every line that has exactly one hidden member gets a second
one hidden (the smallest part shown that is not zero), until no line has one. A part hidden
that way is at least 5 and is shown as "≥ 5"; zeros stay visible, they point to nobody.
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


def protect(cells: list[Cell], lines: list[tuple[list[int], int]]) -> list[Cell]:
    """Hide the small counts of ``cells`` and whatever would give them away.

    ``lines``: (indexes of the parts, index of their total) into ``cells``. Changes the
    cells in place and returns them."""
    for cell in cells:
        if 0 < cell.value < THRESHOLD:
            cell.hidden = SMALL
    changed = True
    while changed:
        changed = False
        for parts, total in lines:
            members = [*parts, total]
            hidden = [i for i in members if cells[i].is_hidden]
            if len(hidden) != 1:
                continue
            candidates = [
                i for i in parts if i not in hidden and not cells[i].is_hidden and cells[i].value
            ]
            cover = min(candidates, key=lambda i: (cells[i].value, i)) if candidates else total
            if cover == hidden[0]:  # a line of one part: hiding its total is all there is
                continue
            cells[cover].hidden = COVER
            changed = True
    return cells

"""Table cells that carry their own HTML and class, shared by the reports' tables."""

from __future__ import annotations


class Cell(str):
    """Table-cell HTML, already escaped, with its own class (``n``: read as a number, right-aligned), e.g. a weight
    above its standard deviation or a map's name above how it was ranked."""

    css = "n"

    def __new__(cls, text: str, css: str = "n") -> "Cell":
        cell = super().__new__(cls, text)
        cell.css = css
        return cell

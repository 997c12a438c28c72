"""Plain-text tables for the chapters' printed results (what nbval compares, so it must be stable)."""

import numbers

__all__ = ["table", "print_table"]


def _cell(value, spec):
    if isinstance(value, str):
        return value
    if isinstance(value, numbers.Real):
        return format(value, spec)
    return str(value)


def table(header, rows, formats=None):
    """Format ``rows`` (sequences of values) under ``header`` as aligned text.

    ``formats`` gives one format spec per column (e.g. ``".2e"``, ``".1%"``, ``"d"``); strings are
    shown as they are and left-aligned, numbers right-aligned. The default spec is ``".3g"``.
    """
    header = [str(h) for h in header]
    formats = list(formats) if formats is not None else [".3g"] * len(header)
    if len(formats) != len(header):
        raise ValueError(f"formats must give one spec per column ({len(header)}), got {len(formats)}")
    rows = [list(r) for r in rows]
    for i, r in enumerate(rows):
        if len(r) != len(header):
            raise ValueError(f"row {i} has {len(r)} values for {len(header)} columns")
    text = [[_cell(v, f) for v, f in zip(r, formats)] for r in rows]
    widths = [max([len(h)] + [len(r[j]) for r in text]) for j, h in enumerate(header)]
    left = [all(isinstance(r[j], str) for r in rows) for j in range(len(header))]

    def line(cells):
        return "  ".join(c.ljust(w) if l else c.rjust(w) for c, w, l in zip(cells, widths, left)).rstrip()

    return "\n".join([line(header)] + [line(r) for r in text])


def print_table(header, rows, formats=None):
    """Print :func:`table` (see there)."""
    print(table(header, rows, formats))

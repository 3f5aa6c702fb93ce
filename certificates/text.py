"""Fitting text of unbounded length into a box: shrink, then wrap, then shorten."""

from __future__ import annotations

from reportlab.pdfbase.pdfmetrics import stringWidth

ELLIPSIS = "…"


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy word wrap; a word wider than the line is split between characters."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if stringWidth(candidate, font, size) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for char in word:
            if line and stringWidth(line + char, font, size) > width:
                lines.append(line)
                line = ""
            line += char
    if line or not lines:
        lines.append(line)
    return lines


def clip(text: str, font: str, size: float, width: float) -> str:
    """The text, or as much of it as fits ``width`` followed by an ellipsis."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + ELLIPSIS, font, size) > width:
        text = text[:-1]
    return text.rstrip() + ELLIPSIS


def fit_text(
    text: str, font: str, width: float, *, size: float, min_size: float, max_lines: int
) -> tuple[float, list[str]]:
    """Largest size down to ``min_size`` that fits one line; then wrap, shrinking to fit.

    Returns:
        The font size and the lines; at most ``max_lines``, the last one shortened
        with an ellipsis only if the text would not fit even at half ``min_size``.
    """
    text = " ".join(text.split())
    natural = stringWidth(text, font, 1.0)
    if natural * size <= width:
        return size, [text]
    if natural * min_size <= width:
        return width / natural, [text]
    size = min_size
    while (lines := wrap(text, font, size, width)) and len(lines) > max_lines:
        if size <= min_size / 2:
            rest = clip(" ".join(lines[max_lines - 1 :]), font, size, width)
            return size, [*lines[: max_lines - 1], rest]
        size -= 0.5
    return size, lines

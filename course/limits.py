"""Bounds on a module's size and shape, so that validating and rendering it stay fast.

Every module is compiled when it is validated, previewed, saved or synced, so a
pathological source is a way to keep a server busy. With these bounds the work
markdown-it-py, its plugins and the compiler do grows linearly with the source,
and the worst module allowed compiles in a second or two of CPU (see
``tests/course/test_linear_work.py``). Each bound is far above what a course
module needs: the largest shipped module has about 23 000 characters (none has
more than 25 headings, 8 questions, 122 table cells, 560 characters of front
matter, or anything nested more than three deep).
"""

from __future__ import annotations

# A module's whole source, front matter included, in characters.
MAX_SOURCE_CHARS = 100_000
# The YAML between the ``---`` lines (PyYAML parses about 20 µs per character).
MAX_FRONT_MATTER_CHARS = 10_000
# Block quotes, lists and quizzes inside each other.
MAX_NESTING = 8
# markdown-it's own recursion bound (the CommonMark preset's; ``js-default`` has
# 100). Past it, block content is dropped without a word, so MAX_NESTING reports
# deep nesting well before that.
PARSER_NESTING = 20
# How deep link labels may nest (``[![bild](b.png)](lenke)`` is two deep) before
# markdown-it gives up on them, as it does past PARSER_NESTING; every ``[`` costs
# work in proportion to this.
LABEL_NESTING = 6
MAX_TABLE_COLUMNS = 50
# Cells in all tables of a module; markdown-it fills short rows up to the header's
# width, so a few bytes per row can make a full row of cells.
MAX_TABLE_CELLS = 5_000
MAX_QUESTIONS = 100
# Longer ``[^label]`` references are not looked up (the footnote plugin scans
# each candidate to its end, which made runs of ``[^`` quadratic).
MAX_FOOTNOTE_LABEL = 100

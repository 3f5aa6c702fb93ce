"""Norwegian alphabetical order (api.core.collation)."""

from __future__ import annotations

from api.core.collation import norwegian_key


def ordered(*names: str) -> list[str]:
    return sorted(names, key=norwegian_key)


def test_ae_oe_aa_come_after_z_in_that_order() -> None:
    assert ordered("Åsnes", "Ørland", "Ærø", "Zeta", "Alta") == [
        "Alta", "Zeta", "Ærø", "Ørland", "Åsnes",
    ]  # fmt: skip


def test_accented_letters_sort_with_their_base_letter() -> None:
    assert ordered("Zakariassen", "Áigin", "Čuđe", "Dahl", "Đorđe", "Ernst", "Éva") == [
        "Áigin", "Čuđe", "Dahl", "Đorđe", "Ernst", "Éva", "Zakariassen",
    ]  # fmt: skip


def test_swedish_and_german_letters_sort_as_their_norwegian_counterparts() -> None:
    assert ordered("Öberg", "Ødegård", "Ärlig", "Ærlig", "Müller", "Myhre", "Mz") == [
        "Myhre", "Müller", "Mz", "Ärlig", "Ærlig", "Öberg", "Ødegård",
    ]  # fmt: skip


def test_case_does_not_matter_and_ties_are_broken_by_the_text() -> None:
    assert ordered("ola", "Ola", "Per", "anne") == ["anne", "Ola", "ola", "Per"]

"""Norwegian organisation numbers (Brønnøysundregistrene): nine digits, the last a check digit.

The check digit is modulus 11 with the weights 3, 2, 7, 6, 5, 4, 3, 2 over the first
eight digits: 11 minus the remainder, 0 when the remainder is 0; a remainder of 1
gives no valid number at all.
"""

from __future__ import annotations

_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)


def check_digit(first_eight: str) -> int | None:
    """The check digit for eight digits, or None when no number starting so is valid."""
    remainder = sum(int(d) * w for d, w in zip(first_eight, _WEIGHTS, strict=True)) % 11
    if remainder == 0:
        return 0
    return None if remainder == 1 else 11 - remainder


def normalise(value: str) -> str:
    """The number as typed, without the spaces people put in it ("974 760 673")."""
    return "".join(value.split())


def problem(value: str) -> str | None:
    """What is wrong with a (normalised) organisation number, in Norwegian; None if valid."""
    if not (len(value) == 9 and value.isascii() and value.isdigit()):
        return f"Organisasjonsnummeret må ha ni sifre, ikke «{value}»."
    if check_digit(value[:8]) != int(value[8]):
        return (
            f"Organisasjonsnummeret «{value}» er ikke gyldig: kontrollsifferet (det siste) "
            "stemmer ikke. Sjekk nummeret i Enhetsregisteret."
        )
    return None

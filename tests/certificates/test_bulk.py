import pytest

from certificates.bulk import render_to_directory
from certificates.codes import new_code
from tests.certificates.helpers import make_certificate, read_pdf


def test_each_learner_gets_a_pdf_named_by_code(tmp_path):
    items = [make_certificate(code=new_code(), holder_name=f"Deltaker {i}") for i in range(7)]
    progress: list[int] = []
    written = render_to_directory(
        iter(items), tmp_path / "out", workers=2, on_progress=progress.append
    )
    assert written == 7
    assert progress == sorted(progress) and progress[-1] == 7
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        f"{item.code}.pdf" for item in items
    )
    for item in items:
        assert len(read_pdf((tmp_path / "out" / f"{item.code}.pdf").read_bytes()).pages) == 1


@pytest.mark.parametrize("code", ["../../etc/evil", "7k3m-q9xd-4t4", "7K3M-Q9XD-4TK"])
def test_codes_that_are_not_canonical_never_become_file_names(tmp_path, code):
    with pytest.raises(ValueError, match="canonical"):
        render_to_directory([make_certificate(code=code)], tmp_path, workers=1)
    assert list(tmp_path.iterdir()) == []


def test_a_code_given_twice_is_rejected(tmp_path):
    code = new_code()
    with pytest.raises(ValueError, match="twice"):
        render_to_directory([make_certificate(code=code)] * 2, tmp_path, workers=1)

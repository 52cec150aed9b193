"""tests/ERROR_MATRIX.md lists exactly the rows that tests/error_cases.py tests, each once."""

import os

from tests.error_cases import CASES

DOC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "ERROR_MATRIX.md")


def test_every_row_of_the_document_is_tested_and_every_test_is_documented():
    with open(DOC, encoding="utf-8") as handle:
        rows = [line.split("|")[1:3] for line in handle if line.startswith("| ") and not line.startswith("| Case")]
    documented = [(case.strip(), alg.strip()) for case, alg in rows]
    tested = [(c.case, c.alg) for c in CASES]
    assert len(set(tested)) == len(tested), "two rows share a (case, algorithm)"
    assert sorted(documented) == sorted(tested)

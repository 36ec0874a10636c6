"""The policy staff's own cases (rules/tests/*.yaml), one pytest item each."""
import pytest

from services.rules import cases
from services.rules.engine import PolicyBook, rules_dir

DIRECTORY = rules_dir()
CASES, PROBLEMS = cases.load_cases(cases.tests_dir(DIRECTORY))


@pytest.fixture(scope="module")
def book():
    return PolicyBook(DIRECTORY)


def test_case_files_are_valid():
    assert PROBLEMS == []
    assert CASES, "no staff cases found"


def test_every_policy_file_has_cases(book):
    areas = {item["policy"] for item in book.status()["files"]}
    assert areas == {case.policy for case in CASES}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_staff_case(book, case):
    result = cases.run_case(book, case)
    assert result.ok, f"{case.file}:{case.line} {case.name}\n" + "\n".join(result.failures)

"""pg8000's rewrite of ``%s`` into ``$n`` is remembered per statement text (services.kernel.db),
and gives exactly what pg8000 itself gives."""
import pg8000.dbapi
import pg8000.legacy
import pytest

from services.kernel import db

QUERIES = [
    "SELECT a FROM t WHERE b = %s AND c IN (%s, %s)",
    "SELECT '%s is text', \"col%\" FROM t WHERE x = %s -- a comment with %s\n AND y = %s",
    "SELECT E'it\\'s %s' || %s, $$ %s $$, 5 %% %s",
    "INSERT INTO t (a, b) VALUES (%s, %s) ON CONFLICT (a) DO NOTHING",
    "SELECT 1",
]


@pytest.fixture(scope="module")
def remembered():
    db._remember_pg8000_statements()
    db._remember_pg8000_statements()  # twice: installed once
    convert = pg8000.legacy.convert_paramstyle
    assert convert is pg8000.dbapi.convert_paramstyle and convert.remembers
    assert not getattr(convert.original, "remembers", False)
    return convert


@pytest.mark.parametrize("query", QUERIES)
def test_the_rewrite_is_pg8000s_own(remembered, query):
    args = tuple(range(query.count("%s")))
    assert remembered("format", query, args) == remembered.original("format", query, args)
    assert remembered("format", query, args) == remembered.original("format", query, args)  # from memory


def test_a_text_is_rewritten_once_and_named_styles_are_left_alone(remembered):
    query = "SELECT a FROM t WHERE id = %s AND k = %s /* once */"
    before = remembered.cache_info()
    for n in range(5):
        assert remembered("format", query, (n, "k")) == ("SELECT a FROM t WHERE id = $1 AND k = $2 /* once */", (n, "k"))
    after = remembered.cache_info()
    assert after.misses == before.misses + 1 and after.hits == before.hits + 4
    assert remembered("named", "SELECT :a, :b, :a", {"a": 1, "b": 2}) == ("SELECT $1, $2, $1", (1, 2))
    assert remembered.cache_info().misses == after.misses


def test_a_bad_placeholder_is_still_refused(remembered):
    with pytest.raises(pg8000.dbapi.InterfaceError):
        remembered("format", "SELECT %d", (1,))

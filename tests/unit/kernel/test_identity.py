"""Principal, scopes and the one scope check (services.kernel.identity), without a broker."""
import pytest

from services.kernel import identity
from services.kernel.identity import Forbidden, Principal, Scope, Unauthenticated

WUGUIDUN = {"household": "h-1", "hamlet": "g-3", "village": "wuguidun", "town": "xishui"}
ELSEWHERE = {"household": "h-9", "hamlet": "g-9", "village": "far", "town": "faraway"}


def who(role, *scopes, villages=()):
    return Principal(subject="t", role=role, scopes=tuple(Scope.parse(s) for s in scopes), villages=villages)


@pytest.mark.parametrize("principal, inside", [
    (who("resident", "household:h-1"), True),
    (who("hamlet_head", "hamlet:g-3"), True),
    (who("village_cadre", "village:wuguidun"), True),
    (who("town_staff", "town:xishui"), True),
    (who("county_operator", "county:*"), True),
    (who("resident", "household:h-2"), False),
    (who("hamlet_head", "hamlet:g-4"), False),
    (who("village_cadre", "village:other"), False),
    (who("town_staff", "town:elsewhere"), False),
])
def test_scope_containment(principal, inside):
    assert principal.covers(WUGUIDUN) is inside
    assert principal.covers(ELSEWHERE) is (principal.role == "county_operator")


def test_a_town_covers_its_villages_when_the_object_knows_only_its_village():
    staff = who("town_staff", "town:xishui", villages=("wuguidun",))
    assert staff.covers({"village": "wuguidun", "hamlet": "g-3"})
    assert not staff.covers({"village": "other"})
    assert not who("town_staff", "town:xishui").covers({"village": "wuguidun"})


def test_a_smaller_scope_does_not_cover_a_larger_object():
    """A hamlet head cannot act on a village-wide object that names no hamlet."""
    assert not who("hamlet_head", "hamlet:g-3").covers({"village": "wuguidun"})
    assert not who("resident", "household:h-1").covers({"village": "wuguidun", "hamlet": "g-3"})


def test_require_says_401_403_and_why():
    with pytest.raises(Unauthenticated):
        identity.require(None)
    with pytest.raises(Forbidden) as refused:
        identity.require(who("resident", "household:h-1"), roles=("village_cadre",), what="审批积分")
    assert refused.value.http_status == 403 and "审批积分" in str(refused.value)
    with pytest.raises(Forbidden):
        identity.require(who("village_cadre", "village:other"), WUGUIDUN)
    assert identity.require(who("village_cadre", "village:wuguidun"), WUGUIDUN).role == "village_cadre"


def test_principal_round_trips_as_a_header():
    principal = who("hub_household", "household:h-1", "household:h-2", villages=())
    assert Principal.loads(principal.dumps()) == principal
    assert Principal.loads(None) is None
    with pytest.raises(ValueError):
        Principal.from_dict({"subject": "x", "role": "emperor"})


@pytest.mark.parametrize("role, scopes, problem", [
    ("village_cadre", ["hamlet:g-3"], "acts in village"),
    ("resident", [], "at least one"),
    ("resident", ["household:a", "household:b"], "one scope"),
    ("king", ["village:x"], "one of"),
])
def test_issuable_role_and_scope_combinations(role, scopes, problem):
    with pytest.raises(ValueError, match=problem):
        identity.validate(role, [Scope.parse(s) for s in scopes])
    identity.validate("hub_household", [Scope.parse("household:a"), Scope.parse("household:b")])


def test_scope_text_is_checked():
    for bad in ["village", "planet:x", "village:"]:
        with pytest.raises(ValueError):
            Scope.parse(bad)
    assert str(Scope.parse("county:")) == "county:*"


def test_list_filters():
    assert identity.scope_filter(who("county_operator", "county:*")) is None
    assert identity.scope_filter(who("town_staff", "town:x", villages=("v1", "v2"))) == {
        "town": ["x"], "village": ["v1", "v2"]}
    with pytest.raises(Unauthenticated):
        identity.scope_filter(None)


def test_reach_a_resident_sees_its_village_but_only_its_own_household():
    resident = who("resident", "household:h-1", villages=("wuguidun",))
    assert resident.reaches({"village": "wuguidun", "hamlet": "g-4"})            # a motion of the village
    assert resident.reaches(WUGUIDUN)                                              # its own household
    assert not resident.reaches({**WUGUIDUN, "household": "h-2"})                 # a neighbour's
    assert not resident.reaches({"village": "far"})


def test_the_guard_refuses_objects_and_filters_lists_out_of_reach():
    resident = who("resident", "household:h-1", villages=("wuguidun",))
    mine = {"id": 1, "household_id": "h-1", "village_id": "wuguidun"}
    theirs = {"id": 2, "household_id": "h-2", "village_id": "wuguidun"}
    motion = {"id": 3, "village_id": "wuguidun"}
    assert identity.guard(resident, mine) is mine
    with pytest.raises(Forbidden):
        identity.guard(resident, theirs)
    assert identity.guard(resident, [mine, theirs, motion, {"no": "place"}], read=True) == [mine, motion, {"no": "place"}]
    with pytest.raises(Forbidden):  # a write that touched a neighbour's row is refused whole
        identity.guard(resident, [mine, theirs])
    assert identity.guard(None, theirs) is theirs                               # the platform's own call
    assert identity.guard(who("county_operator", "county:*"), theirs) is theirs


def test_an_object_naming_only_its_hamlet_is_placed_by_the_principals_hamlets():
    cadre = who("village_cadre", "village:wuguidun", villages=("wuguidun",))
    cadre = Principal(cadre.subject, cadre.role, cadre.scopes, villages=("wuguidun",), hamlets=("g-3", "g-4"))
    assert cadre.covers({"household": "h-1", "hamlet": "g-3"})
    assert not cadre.covers({"household": "h-9", "hamlet": "g-9"})
    assert not cadre.covers({"household": "h-1"})  # cannot be placed: refused, not guessed


def test_the_guard_places_a_result_naming_only_a_household_through_the_services_roster():
    # the cadre's Principal was resolved before the roster arrived: it knows no hamlets
    cadre = who("village_cadre", "village:wuguidun", villages=("wuguidun",))
    roster = {"h-1": {"hamlet": "g-3", "village": "wuguidun"}, "h-9": {"hamlet": "g-9", "village": "far"},
              "g-3": {"village": "wuguidun"}}
    asked = []

    def place(geo):
        asked.append(geo)
        return roster.get(geo.get("household") or geo.get("hamlet"), {})

    entry = {"id": "e-1", "household_id": "h-1", "hamlet_id": "g-3"}
    with pytest.raises(Forbidden):                 # without the roster: refused, not guessed
        identity.guard(cadre, entry)
    assert identity.guard(cadre, entry, place=place) is entry
    with pytest.raises(Forbidden):
        identity.guard(cadre, {"household_id": "h-9"}, place=place)
    with pytest.raises(Forbidden):                 # a household the roster does not know
        identity.guard(cadre, {"household_id": "h-404"}, place=place)
    assert identity.guard(cadre, {"hamlet_id": "g-3", "open_reports": []}, place=place)
    asked.clear()
    many = [dict(entry, id=f"e-{n}") for n in range(50)] + [{"household_id": "h-9"}]
    assert len(identity.guard(cadre, many, read=True, place=place)) == 50
    assert len(asked) == 2, "one lookup per place, not per row"
    # what names its village is never looked up
    asked.clear()
    assert identity.guard(cadre, {"household_id": "h-1", "village_id": "wuguidun"}, place=place)
    assert asked == []


def test_roster_places_reads_a_read_model_and_a_hamlet_table():
    from sqlalchemy import ForeignKey, String, create_engine
    from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

    class Base(DeclarativeBase):
        pass

    class Hamlet(Base):
        __tablename__ = "hamlet"
        id: Mapped[str] = mapped_column(String, primary_key=True)
        village_id: Mapped[str] = mapped_column(String)

    class Household(Base):
        __tablename__ = "household"
        id: Mapped[str] = mapped_column(String, primary_key=True)
        hamlet_id: Mapped[str] = mapped_column(ForeignKey("hamlet.id"))

    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all([Hamlet(id="g-3", village_id="wuguidun"), Household(id="h-1", hamlet_id="g-3")])
        session.flush()
        place = identity.roster_places(Household.id, Household.hamlet_id, Hamlet.village_id, hamlets=Hamlet.id)
        assert place(session, {"household": "h-1"}) == {"hamlet": "g-3", "village": "wuguidun"}
        assert place(session, {"hamlet": "g-3"}) == {"village": "wuguidun"}
        assert place(session, {"household": "nobody"}) == {}


def test_scoped_lists_hold_exactly_what_the_guard_would_let_through():
    """A page is narrowed in SQL by the same rule the guard applies to each row, so it is full."""
    from sqlalchemy import Column, MetaData, String, Table, create_engine, insert, select

    rows = [{"id": f"r{n}", "household_id": household, "hamlet_id": hamlet, "village_id": village}
            for n, (household, hamlet, village) in enumerate([
                ("h-1", "g-3", "wuguidun"), ("h-2", "g-3", "wuguidun"), ("h-3", "g-4", "wuguidun"),
                (None, "g-3", "wuguidun"), (None, None, "wuguidun"), ("h-9", "g-9", "far"), (None, None, "far")])]
    table = Table("entries", MetaData(), *(Column(name, String) for name in rows[0]))
    engine = create_engine("sqlite://")
    table.metadata.create_all(engine)
    principals = [
        Principal("a", "resident", (Scope.parse("household:h-1"),), villages=("wuguidun",)),
        Principal("b", "hub_household", (Scope.parse("household:h-1"), Scope.parse("household:h-2")), villages=("wuguidun",)),
        Principal("c", "hamlet_head", (Scope.parse("hamlet:g-3"),), villages=("wuguidun",), hamlets=("g-3", "g-4")),
        Principal("d", "village_cadre", (Scope.parse("village:wuguidun"),), villages=("wuguidun",)),
        Principal("e", "town_staff", (Scope.parse("town:xishui"),), villages=("far",)),
        Principal("f", "county_operator", (Scope.parse("county:*"),)),
        Principal("g", "village_cadre", (Scope.parse("village:nowhere"),), villages=("nowhere",)),
    ]
    seen = {}
    with engine.begin() as connection:
        connection.execute(insert(table), rows)
        for principal in principals:
            query = identity.scoped(select(table.c.id), principal, household=table.c.household_id,
                                    hamlet=table.c.hamlet_id, village=table.c.village_id)
            got = sorted(connection.scalars(query))
            expected = sorted(row["id"] for row in rows if identity.guard(principal, [row], read=True))
            assert got == expected, principal.role
            seen[principal.subject] = got
    # a household's own rows, and what belongs to no household in its village (a motion, a meeting)
    assert seen["a"] == ["r0", "r3", "r4"] and seen["b"] == ["r0", "r1", "r3", "r4"]
    assert seen["c"] == ["r0", "r1", "r3", "r4"]        # its hamlet's, and what belongs to no household
    assert seen["d"] == ["r0", "r1", "r2", "r3", "r4"] and seen["e"] == ["r5", "r6"]
    assert seen["f"] == [r["id"] for r in rows] and seen["g"] == []

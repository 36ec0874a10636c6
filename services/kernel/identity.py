"""Who is asking: the caller's Principal, the roles, the scopes, and the one scope check.

Free of nameko and of HTTP. The gateway proves the caller's identity (an API token or an OIDC
JWT) and puts the Principal in the RPC's context; a service reads it through
``services.kernel.nameko_ext.Caller`` and its domain code asks :func:`require` whether the
caller may act on an object, given the object's geography (``{"household": ..., "hamlet": ...,
"village": ..., "town": ...}``, whatever levels the service knows).

Scopes are geographic: county ⊃ town 镇/乡 ⊃ village 村 ⊃ hamlet 垸组 ⊃ household 户. A principal
holds one or more scopes (a hub household 中心户 holds its own household and its 1+10 linked
households). A town's villages are resolved by the identity service from the roster's
``household.registered`` events (``villages``), because most services know an object's village
but not its town.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from .errors import CocreateError

# -- roles ---------------------------------------------------------------------------------------
RESIDENT = "resident"                  # 村民 / 户: own household
HUB_HOUSEHOLD = "hub_household"        # 党员中心户: its 1+10 linked households (inspections)
HAMLET_HEAD = "hamlet_head"            # 垸组长: own hamlet
VILLAGE_CADRE = "village_cadre"        # 村"两委" (and the party branch 党支部): own village
TOWN_STAFF = "town_staff"              # 镇/乡 staff: own town
COUNTY_OPERATOR = "county_operator"    # 县 operator: the whole county
POLICY_STAFF = "policy_staff"          # 县 policy staff who edit and publish rule files
SUPERVISOR = "supervisor"              # 村务监督委员会 member: reads all of its village, answers objections
INTEGRATION = "integration"            # another county system: subscribes and reads events in scope

ROLES = (RESIDENT, HUB_HOUSEHOLD, HAMLET_HEAD, VILLAGE_CADRE, TOWN_STAFF, COUNTY_OPERATOR,
         POLICY_STAFF, SUPERVISOR, INTEGRATION)
ROLE_LABELS = {
    RESIDENT: "村民", HUB_HOUSEHOLD: "党员中心户", HAMLET_HEAD: "垸组长", VILLAGE_CADRE: "村干部",
    TOWN_STAFF: "镇干部", COUNTY_OPERATOR: "县运维", POLICY_STAFF: "县政策人员",
    SUPERVISOR: "村务监督委员会成员", INTEGRATION: "对接系统",
}
# the scope kind each role is issued with (hub households: several households)
ROLE_SCOPE = {
    RESIDENT: "household", HUB_HOUSEHOLD: "household", HAMLET_HEAD: "hamlet",
    VILLAGE_CADRE: "village", TOWN_STAFF: "town", COUNTY_OPERATOR: "county",
    POLICY_STAFF: "county", SUPERVISOR: "village", INTEGRATION: None,  # integration: any one level
}
LEVELS = ("household", "hamlet", "village", "town", "county")  # smallest first

# -- access declarations (the route table's ``access=``; plain data for the OpenAPI generator) --
PUBLIC = "public"                      # anonymous callers too
EVERYONE = ROLES                       # any authenticated caller (objects still scope-checked)
HOUSEHOLD_SIDE = (RESIDENT, HUB_HOUSEHOLD)
VILLAGE_SIDE = (RESIDENT, HUB_HOUSEHOLD, HAMLET_HEAD, VILLAGE_CADRE, SUPERVISOR)
OFFICIALS = (VILLAGE_CADRE, TOWN_STAFF, COUNTY_OPERATOR)
READERS = (RESIDENT, HUB_HOUSEHOLD, HAMLET_HEAD, VILLAGE_CADRE, SUPERVISOR, TOWN_STAFF,
           COUNTY_OPERATOR, INTEGRATION)  # who reads village data (scope-filtered)


class Unauthenticated(CocreateError):
    """No identity, or one that cannot be verified (401)."""

    http_status = 401
    code = "unauthenticated"


class Forbidden(CocreateError):
    """An identity that may not do this (403): out of role or out of scope."""

    http_status = 403
    code = "forbidden"


@dataclass(frozen=True)
class Scope:
    kind: str
    id: str

    @classmethod
    def parse(cls, text: str) -> "Scope":
        kind, sep, ident = str(text).partition(":")
        kind, ident = kind.strip(), ident.strip()
        if not sep or kind not in LEVELS or (not ident and kind != "county"):
            raise ValueError(f"scope {text!r}: expected KIND:ID with KIND one of {', '.join(LEVELS)}")
        return cls(kind, ident or "*")

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True)
class Principal:
    """The verified caller. ``subject`` is an id (token id or the IdP's ``sub``), never a name."""

    subject: str
    role: str
    scopes: tuple[Scope, ...] = ()
    via: str = "token"                                 # token | oidc
    # the villages its scopes lie in or contain (resolved by the identity service from the roster)
    villages: tuple[str, ...] = field(default=())
    hamlets: tuple[str, ...] = field(default=())       # the hamlets of those villages (resolved)
    home: str | None = None                            # the person's own household, if known

    # -- what the caller covers ---------------------------------------------------------------
    def has(self, *roles: str) -> bool:
        return self.role in roles

    def covers(self, geo: dict) -> bool:
        """Whether the object with this geography lies in one of the caller's scopes."""
        return any(_contains(scope, geo, self.villages, self.hamlets) for scope in self.scopes)

    def reaches(self, geo: dict) -> bool:
        """Whether the caller may see or act on the object: one in its scopes, or one of its
        village(s) that belongs to no household (a motion, a meeting, the village's goods).
        What belongs to a household (``household`` in ``geo``) needs :meth:`covers`."""
        if self.covers(geo):
            return True
        if geo.get("household") is not None:
            return False
        if geo.get("village") is not None:
            return geo["village"] in self.villages
        return geo.get("hamlet") is not None and geo["hamlet"] in self.hamlets

    @property
    def own_household(self) -> str | None:
        """The caller's own household: a resident's scope, or the ``home`` of an official."""
        if self.home:
            return self.home
        return self.household_id if self.role in (RESIDENT, HUB_HOUSEHOLD) else None

    def ids(self, kind: str) -> list[str]:
        """The ids of the caller's scopes of one kind (``household`` for a resident)."""
        return [s.id for s in self.scopes if s.kind == kind]

    @property
    def household_id(self) -> str | None:
        ids = self.ids("household")
        return ids[0] if ids else None

    @property
    def actor(self) -> str:
        """What actor fields (``recorded_by``, ``decided_by`` ...) store: role and id, no name."""
        return f"{self.role}:{self.subject}"

    # -- over the wire (nameko context data; a JSON string so AMQP headers keep it intact) ----
    def to_dict(self) -> dict:
        return {"subject": self.subject, "role": self.role, "scopes": [str(s) for s in self.scopes],
                "via": self.via, "villages": list(self.villages), "hamlets": list(self.hamlets),
                "home": self.home}

    def dumps(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict) -> "Principal":
        role = data["role"]
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        return cls(subject=str(data["subject"]), role=role,
                   scopes=tuple(Scope.parse(s) for s in data.get("scopes") or ()),
                   via=data.get("via", "token"), villages=tuple(data.get("villages") or ()),
                   hamlets=tuple(data.get("hamlets") or ()),
                   home=data.get("home") or None)

    @classmethod
    def loads(cls, text: str | None) -> "Principal | None":
        if not text:
            return None
        return cls.from_dict(json.loads(text))


def _contains(scope: Scope, geo: dict, villages, hamlets) -> bool:
    if scope.kind == "county":
        return True
    if geo.get(scope.kind) is not None:
        return geo[scope.kind] == scope.id
    # the object names a smaller place than the scope: place it with what the Principal carries
    if scope.kind == "town" and geo.get("village") is not None:
        return geo["village"] in villages  # the town's villages
    if scope.kind in ("town", "village") and geo.get("village") is None and geo.get("hamlet") is not None:
        return geo["hamlet"] in hamlets    # the hamlets of the town's (or the village's) villages
    return False  # the object's geography does not say: refuse rather than guess


def validate(role: str, scopes: list[Scope]) -> None:
    """The combinations an operator may issue: each role with the scope kind it acts in."""
    if role not in ROLES:
        raise ValueError(f"role {role!r}: one of {', '.join(ROLES)}")
    if not scopes:
        raise ValueError(f"role {role}: needs at least one --scope")
    expected = ROLE_SCOPE[role]
    wrong = [str(s) for s in scopes if expected and s.kind != expected]
    if wrong:
        raise ValueError(f"role {role} acts in {expected} scopes, not {', '.join(wrong)}")
    if role != HUB_HOUSEHOLD and len(scopes) > 1:
        raise ValueError(f"role {role}: one scope (only a hub household links several households)")


# -- the checks services make ------------------------------------------------------------------

def require(principal: Principal | None, geo: dict | None = None, *, roles=None, what: str = "") -> Principal:
    """The caller, if it may act on an object with geography ``geo`` in one of ``roles``.

    Raises Unauthenticated without a caller, Forbidden out of role or out of scope.
    """
    if principal is None:
        raise Unauthenticated({"message": "需要登录：请提供有效的访问令牌 (authentication required)"})
    if roles is not None and principal.role not in roles:
        raise Forbidden({"message": f"{ROLE_LABELS.get(principal.role, principal.role)}无权{what or '进行此操作'}"
                                    f" (role {principal.role} may not {what or 'do this'})",
                         "role": principal.role, "allowed_roles": sorted(roles)})
    if geo is not None and not principal.covers(geo):
        raise _out_of_scope(principal)
    return principal


def allowed(principal: Principal | None, geo: dict) -> bool:
    return principal is not None and principal.covers(geo)


def scope_filter(principal: Principal | None) -> dict | None:
    """For list queries: the geography to filter on, or None for the whole county.

    ``{"village": [...]} / {"hamlet": [...]} / {"household": [...]} / {"town": ..., "village": [...]}``
    A service applies the levels its rows have; rows it cannot place are left out.
    """
    require(principal)
    if any(s.kind == "county" for s in principal.scopes):
        return None
    found: dict[str, list[str]] = {}
    for scope in principal.scopes:
        found.setdefault(scope.kind, []).append(scope.id)
    if "town" in found:
        found.setdefault("village", []).extend(principal.villages)
    return found


def scoped(statement, principal: Principal | None, *, household=None, hamlet=None, village=None):
    """A list query narrowed in SQL to the rows the caller reaches (the rule of
    :meth:`Principal.reaches`), so a page holds ``limit`` rows the caller may see, not fewer.
    ``household``/``hamlet``/``village``: the row's columns (or correlated expressions). The
    scope guard still checks every row the service returns."""
    from sqlalchemy import false, or_
    if principal is None or principal.has(COUNTY_OPERATOR, POLICY_STAFF) or \
            any(s.kind == "county" for s in principal.scopes):
        return statement
    by = {"household": household, "hamlet": hamlet, "village": village}
    ids: dict[str, list[str]] = {}
    for scope in principal.scopes:
        ids.setdefault(scope.kind, []).append(scope.id)
    ids.setdefault("village", []).extend(principal.villages if "town" in ids else ())
    allowed = [by[kind].in_(values) for kind, values in ids.items() if by.get(kind) is not None and values]
    if household is not None and village is not None and principal.villages:
        # what belongs to no household (the village's own) is seen by anyone of the village
        allowed.append(household.is_(None) & village.in_(principal.villages))
    return statement.where(or_(*allowed) if allowed else false())


def in_filter(principal: Principal | None, row_geo: dict) -> bool:
    """A row of a list is shown to the caller: the same rule as :meth:`Principal.covers`."""
    return principal is not None and principal.covers(row_geo)


def owns(principal: Principal | None, owner: str | None) -> bool:
    """Whether the caller may see a caller-owned object (a subscription): its owner, a county
    operator, or the platform's own call (no Principal: an operator's command, another service)."""
    return principal is None or principal.has(COUNTY_OPERATOR) or (owner is not None and owner == principal.subject)


def stamp(principal: Principal, payload: dict, actor: dict) -> dict:
    """The payload with its actor fields set from the caller (``{"field": "subject"|"household"}``)."""
    stamped = dict(payload)
    for name, source in actor.items():
        if source == "household":
            stamped[name] = principal.own_household
        else:
            stamped[name] = principal.subject
    return stamped


# -- the scope guard every RPC result passes (services.kernel.nameko_ext.entrypoints) ----------

def geography(obj: dict) -> dict:
    """The levels an RPC result names: ``household_id`` -> ``household`` and so on."""
    return {level: obj[f"{level}_id"] for level in ("household", "hamlet", "village", "town")
            if isinstance(obj.get(f"{level}_id"), str) and obj.get(f"{level}_id")}


def guard(principal: Principal | None, result, read: bool = False, village_wide: bool = False,
          place=None):
    """What a caller gets back from a service: a dict naming a place out of its reach is refused
    (403, and the service's transaction is rolled back, so nothing of it is stored); so is a
    write's list with any such item, while a read's list leaves those items out. Results that
    name no place pass unchanged; a call without a Principal is the platform's own (another
    service, an operator's command). ``village_wide``: what anyone of a village may tell about
    anyone of it (a neighbour's good deed) needs the object in the caller's village only.

    ``place(geo) -> geo``: the service's own roster completing a result that names a household
    or a hamlet but not its village (a ledger entry, a hamlet's overview). Without it such a
    result could be placed only through the Principal's resolved places, which lag the roster."""
    if principal is None or principal.has(COUNTY_OPERATOR, POLICY_STAFF):
        return result
    placed: dict = {}

    def reachable(obj: dict) -> bool:
        geo = geography(obj)
        if village_wide and geo:
            geo = {k: v for k, v in geo.items() if k != "household"}
        if not geo or principal.reaches(geo):
            return True
        if place is None or "village" in geo:
            return False
        key = tuple(sorted(geo.items()))
        if key not in placed:
            placed[key] = {**place(geo), **geo}
        return principal.reaches(placed[key])

    if isinstance(result, dict):
        if not reachable(result):
            raise _out_of_scope(principal)
        return result
    if isinstance(result, list):
        kept = [item for item in result if not isinstance(item, dict) or reachable(item)]
        if len(kept) != len(result) and not read:
            raise _out_of_scope(principal)
        return kept
    return result


def _out_of_scope(principal: Principal) -> Forbidden:
    return Forbidden({"message": f"超出权限范围 (out of scope: {', '.join(map(str, principal.scopes))})",
                      "role": principal.role, "scope": [str(s) for s in principal.scopes]})


def roster_places(household, hamlet, village, hamlets=None):
    """A service's ``places`` from its roster read model's columns: ``place(session, geo)`` adds
    the hamlet and the village of a household, or the village of a hamlet. ``hamlets``: the
    hamlets' own id column when the village is kept on a hamlet table (``village`` its column)."""
    from sqlalchemy import select
    hamlet_key = hamlet if hamlets is None else hamlets

    def place(session, geo: dict) -> dict:
        if geo.get("household"):
            query = select(hamlet, village).where(household == geo["household"])
            if hamlets is not None:
                query = query.join_from(household.class_, hamlets.class_, hamlet == hamlets)
            row = session.execute(query.limit(1)).first()
            return {"hamlet": row[0], "village": row[1]} if row else {}
        if geo.get("hamlet"):
            found = session.scalar(select(village).where(hamlet_key == geo["hamlet"]).limit(1))
            return {"village": found} if found else {}
        return {}
    return place

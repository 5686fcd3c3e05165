"""A stateful property test: interleave sharing, moving, group levels, embargoes and
publication with reads by random users at random instants; what each user may see through
the catalog must always be what the policy says for the state a model tracks."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from imagesteward.access import (
    ANONYMOUS,
    Action,
    Container,
    FacilityRole,
    GroupLevel,
    ObjectFacts,
    Scope,
    Visibility,
    permitted,
)
from imagesteward.catalog import access_catalog, open_catalog, upgrade_catalog
from tests.catalog.factories import bare_image, fileset

BASE = datetime(2031, 1, 1, tzinfo=UTC)
USERS = {"ann": FacilityRole.USER, "ben": FacilityRole.USER, "cai": FacilityRole.USER,
         "gil": FacilityRole.GUEST, "sam": FacilityRole.STEWARD}  # fmt: skip
GROUPS = {"g1": ("ann", ["ben"]), "g2": ("cai", [])}  # group: (owner, members)
DATASETS = {("P1", "a"), ("P1", "b"), ("P2", "c")}
PROJECT_OWNERS = {"P1": "ann", "P2": "cai"}


@dataclass
class Model:
    """What the catalog should hold."""

    group_of: dict[str, str] = field(default_factory=lambda: {"P1": "g1", "P2": "g2"})
    level: dict[str, GroupLevel] = field(
        default_factory=lambda: dict.fromkeys(GROUPS, GroupLevel.READ_ONLY)
    )
    state: dict[tuple[str, str | None], tuple[Visibility, datetime | None]] = field(
        default_factory=dict
    )
    shares: set[tuple[str, str | None, str, str]] = field(default_factory=set)


@dataclass(frozen=True)
class Template:
    """The starting catalog and the ids and tokens of what it holds."""

    path: Path
    tokens: dict[str, str]
    datasets: dict[str, int]
    users: dict[str, int]
    groups: dict[str, int]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    """A catalog with the users, groups, projects and tokens every run starts from."""
    path = tmp_path_factory.mktemp("stateful") / "template.sqlite"
    url = f"sqlite:///{path}"
    upgrade_catalog(url)
    catalog = open_catalog(url)
    access = access_catalog(catalog)
    for project, dataset in sorted(DATASETS):
        catalog.add_fileset(
            fileset(f"{project}/{dataset}.tif", images=[bare_image()], project=project,
                    dataset=dataset)
        )  # fmt: skip
    tokens = {}
    for name, role in USERS.items():
        access.add_user(name, role=role)
        tokens[name] = access.create_token(name, Scope.ADMIN, expires_in=timedelta(days=9000))[1]
    for group, (owner, members) in GROUPS.items():
        access.add_group(group, GroupLevel.READ_ONLY)
        access.add_member(group, owner, owner=True)
        for member in members:
            access.add_member(group, member)
    for project, owner in PROJECT_OWNERS.items():
        access.assign(project, owner=owner, group={"P1": "g1", "P2": "g2"}[project])
    template = Template(
        path=path,
        tokens=tokens,
        datasets={f"{d.project}/{d.name}": d.id for d in catalog.list_datasets()},
        users={u.username: u.id for u in access.list_users()},
        groups={g.name: g.id for g in access.list_groups()},
    )
    catalog.dispose()
    return template


def test_what_users_see_always_follows_the_policy(template: Template, tmp_path: Path) -> None:
    source, tokens, dataset_ids = template.path, template.tokens, template.datasets
    runs = iter(range(1_000_000))

    class Machine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            path = tmp_path / f"run-{next(runs)}.sqlite"
            shutil.copyfile(source, path)
            self.catalog = open_catalog(f"sqlite:///{path}")
            self.access = access_catalog(self.catalog)
            self.model = Model()
            self.audited: set[int] = set()

        def teardown(self) -> None:
            self.catalog.dispose()

        @rule(
            obj=st.sampled_from([*sorted(DATASETS), ("P1", None), ("P2", None)]),
            recipient=st.sampled_from(
                [("user", u) for u in USERS] + [("group", g) for g in GROUPS]
            ),
            add=st.booleans(),
        )
        def share(self, obj: tuple[str, str | None], recipient: tuple[str, str], add: bool) -> None:
            kind, name = recipient
            call = self.access.share if add else self.access.unshare
            user, group = (name, None) if kind == "user" else (None, name)
            call(obj[0], obj[1], user=user, group=group)
            key = (obj[0], obj[1], kind, name)
            (self.model.shares.add if add else self.model.shares.discard)(key)

        @rule(project=st.sampled_from(["P1", "P2"]), group=st.sampled_from(sorted(GROUPS)))
        def move(self, project: str, group: str) -> None:
            self.access.assign(project, owner=PROJECT_OWNERS[project], group=group)
            self.model.group_of[project] = group

        @rule(group=st.sampled_from(sorted(GROUPS)), level=st.sampled_from(GroupLevel))
        def change_level(self, group: str, level: GroupLevel) -> None:
            self.access.set_group_level(group, level)
            self.model.level[group] = level

        @rule(
            obj=st.sampled_from([*sorted(DATASETS), ("P1", None), ("P2", None)]),
            state=st.sampled_from(Visibility),
            hours=st.integers(1, 48),
        )
        def set_visibility(
            self, obj: tuple[str, str | None], state: Visibility, hours: int
        ) -> None:
            until = BASE + timedelta(hours=hours) if state is Visibility.EMBARGOED else None
            self.access.set_visibility(obj[0], obj[1], visibility=state, until=until, now=BASE)
            self.model.state[obj] = (state, until)

        @rule(user=st.sampled_from([None, *USERS]), minutes=st.integers(0, 60 * 60))
        def read(self, user: str | None, minutes: int) -> None:
            now = BASE + timedelta(minutes=minutes)
            who = self.access.authenticate_token(tokens[user], now=now) if user else ANONYMOUS
            expected = {
                dataset_ids[f"{p}/{d}"]
                for p, d in DATASETS
                if Action.LIST in permitted(who, self._facts(p, d), now)
            }
            assert self.access.readable_datasets(who, now=now) == expected
            project, dataset = sorted(DATASETS)[minutes % len(DATASETS)]
            assert self.access.permitted(who, project, dataset, now=now) == permitted(
                who, self._facts(project, dataset), now
            ), (user, project, dataset, now)

        def _facts(self, project: str, dataset: str) -> ObjectFacts:
            group = self.model.group_of[project]

            def link(d: str | None, owner: str | None) -> Container:
                state, until = self.model.state.get((project, d), (Visibility.PRIVATE, None))
                users = {
                    u for p, dd, k, u in self.model.shares if (p, dd, k) == (project, d, "user")
                }
                groups = {
                    g for p, dd, k, g in self.model.shares if (p, dd, k) == (project, d, "group")
                }
                return Container(
                    visibility=state, embargo_until=until,
                    owner_id=None if owner is None else self._uid(owner),
                    shared_users=frozenset(self._uid(u) for u in users),
                    shared_groups=frozenset(self._gid(g) for g in groups),
                )  # fmt: skip

            return ObjectFacts(
                group_id=self._gid(group),
                group_level=self.model.level[group],
                chain=(link(None, PROJECT_OWNERS[project]), link(dataset, None)),
                dataset_id=dataset_ids[f"{project}/{dataset}"],
            )

        def _uid(self, name: str) -> int:
            return template.users[name]

        def _gid(self, name: str) -> int:
            return template.groups[name]

        @invariant()
        def audit_log_only_grows(self) -> None:
            ids = {event.id for event in self.access.audit_events(limit=None)}
            assert self.audited <= ids
            self.audited = ids

    Machine.TestCase.settings = settings(
        max_examples=10,
        stateful_step_count=15,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    Machine.TestCase().runTest()

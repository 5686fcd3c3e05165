"""``AccessCatalog``: accounts, credentials, visibility, shares and the audit log of a catalog.

Obtained with :func:`access_catalog` from an open :class:`Catalog`; it shares its engine and
error handling. Methods that change something take ``acting``: the :class:`Principal` on
whose behalf the change is made, checked against the policy; ``None`` means the installation's
operator at the command line, who could edit the database file anyway. Every change is audited
in its own transaction, with ``remote`` saying from where it came.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from functools import partial
from typing import TypeVar

from sqlalchemy.orm import Session

from imagesteward.access import (
    Action,
    Decision,
    FacilityRole,
    GroupLevel,
    Principal,
    Scope,
    Visibility,
    decide,
    permitted,
)
from imagesteward.catalog import (
    _access_lookup,
    _access_move,
    _access_oidc,
    _access_views,
    _accounts,
    _audit,
    _sharing,
    _visibility,
)
from imagesteward.catalog._access_move import MovedImages
from imagesteward.catalog._access_oidc import OidcIdentity
from imagesteward.catalog._access_views import SharedItem, ShareRecord, VisibilityView
from imagesteward.catalog._accounts import GroupRecord, TokenRecord, UserRecord
from imagesteward.catalog._audit import AuditRecord
from imagesteward.catalog._catalog import Catalog
from imagesteward.catalog._lookup import MIN_UUID_PREFIX
from imagesteward.catalog._records import ImageRecord
from imagesteward.catalog._search_types import Restriction
from imagesteward.catalog._sharing import ReviewerLinkRecord
from imagesteward.catalog._sqltypes import utcnow
from imagesteward.catalog._visibility import AccessRecord, Located
from imagesteward.errors import AuthenticationError, NotFoundError, PermissionDeniedError

__all__ = ["AccessCatalog", "access_catalog"]

_T = TypeVar("_T")

#: Tokens expire: 90 days unless asked otherwise (GitHub's default for fine-grained tokens).
DEFAULT_TOKEN_LIFETIME = timedelta(days=90)


def access_catalog(catalog: Catalog) -> AccessCatalog:
    """The access side of an open catalog."""
    return AccessCatalog(catalog)


def _actor(acting: Principal | None) -> str | None:
    return None if acting is None else acting.username


def _image_not_found(ref: str) -> NotFoundError:
    """What the catalog answers for an image ``ref`` that does not exist (same wording)."""
    text = ref.strip().lower()
    if text.isascii() and text.isdigit() and len(text) != MIN_UUID_PREFIX:
        return NotFoundError(
            f"No image with id {int(text)} in the catalog; list the images to find its id or UUID.",
            ref=int(text),
        )
    try:
        canonical = str(uuid.UUID(text))
    except ValueError:
        return NotFoundError(f"No image id or UUID matches {ref!r}.", ref=ref)
    return NotFoundError(f"No image with UUID {canonical} in the catalog.", ref=ref)


def _check(
    principal: Principal,
    rights: frozenset[Action],
    action: Action,
    hidden: Callable[[], NotFoundError],
    name: str,
) -> None:
    if action in rights:
        return
    if Action.VIEW_METADATA not in rights and Action.LIST not in rights:
        raise hidden()
    raise PermissionDeniedError(
        f"{principal.username or 'An anonymous caller'} may not {action.value} {name}.",
        action=action.value,
    )


class AccessCatalog:
    """Accounts, groups, tokens, visibility, shares, reviewer links and the audit log."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog

    # -- plumbing -----------------------------------------------------------------------

    def _read(self, work: Callable[[Session], _T]) -> _T:
        with self._catalog._session() as session:
            return work(session)

    def _write(self, work: Callable[[Session], _T]) -> _T:
        with self._catalog._writing() as session:
            return work(session)

    @staticmethod
    def _require_admin(acting: Principal | None) -> None:
        if acting is None:
            return
        if acting.facility_role is not FacilityRole.ADMIN or acting.scope is not Scope.ADMIN:
            raise PermissionDeniedError(
                "Only a facility administrator (with an admin-scoped credential) manages "
                "accounts and groups."
            )

    @staticmethod
    def _require(
        session: Session, acting: Principal | None, where: Located, action: Action, now: datetime
    ) -> None:
        if acting is None:
            return
        verdict = decide(acting, _visibility.object_facts(session, where), action, now)
        if verdict is Decision.HIDDEN:
            # Exactly what an unknown name gets: refusing must not reveal existence.
            raise _visibility.not_found(where.project, where.dataset)
        if verdict is Decision.FORBIDDEN:
            raise PermissionDeniedError(
                f"{acting.username or 'An anonymous caller'} may not {action.value} "
                f"{where.target.split(':', 1)[1]}.",
                action=action.value,
            )

    # -- accounts and groups ------------------------------------------------------------

    def add_user(
        self,
        username: str,
        *,
        password: str | None = None,
        role: FacilityRole = FacilityRole.USER,
        display_name: str | None = None,
        email: str | None = None,
        orcid: str | None = None,
        acting: Principal | None = None,
        remote: str | None = None,
    ) -> UserRecord:
        """Create an account (a password is optional: token-only accounts for instruments)."""
        self._require_admin(acting)
        return self._write(
            lambda s: _accounts.add_user(
                s, username, password=password, role=role, display_name=display_name,
                email=email, orcid=orcid, by=_actor(acting), remote=remote, now=utcnow(),
            )
        )  # fmt: skip

    def list_users(self) -> list[UserRecord]:
        """Every account, by user name."""
        return self._read(_accounts.list_users)

    def disable_user(
        self, username: str, *, acting: Principal | None = None, remote: str | None = None
    ) -> UserRecord:
        """Stop an account from signing in and its tokens from working."""
        self._require_admin(acting)
        return self._write(
            lambda s: _accounts.disable_user(
                s, username, by=_actor(acting), remote=remote, now=utcnow()
            )
        )

    def add_group(
        self,
        name: str,
        level: GroupLevel,
        *,
        description: str | None = None,
        acting: Principal | None = None,
        remote: str | None = None,
    ) -> GroupRecord:
        """Create a group with an OMERO permission level."""
        self._require_admin(acting)
        return self._write(
            lambda s: _accounts.add_group(
                s, name, level, description=description, by=_actor(acting), remote=remote,
                now=utcnow(),
            )
        )  # fmt: skip

    def set_group_level(
        self,
        name: str,
        level: GroupLevel,
        *,
        acting: Principal | None = None,
        remote: str | None = None,
    ) -> None:
        """Change a group's OMERO permission level."""
        self._require_admin(acting)
        self._write(
            lambda s: _accounts.set_group_level(
                s, name, level, by=_actor(acting), remote=remote, now=utcnow()
            )
        )

    def add_member(
        self,
        group: str,
        username: str,
        *,
        owner: bool = False,
        acting: Principal | None = None,
        remote: str | None = None,
    ) -> None:
        """Put an account in a group, as an owner of it or not."""
        self._require_admin(acting)
        self._write(
            lambda s: _accounts.add_member(
                s, group, username, owner=owner, by=_actor(acting), remote=remote, now=utcnow()
            )
        )

    def list_groups(self) -> list[GroupRecord]:
        """Every group with its members."""
        return self._read(_accounts.list_groups)

    # -- credentials --------------------------------------------------------------------

    def login(
        self,
        username: str,
        password: str,
        *,
        remote: str | None = None,
        now: datetime | None = None,
    ) -> Principal:
        """The caller a user name and password stand for; the attempt is audited either way.

        Raises
        ------
        AuthenticationError
            The same message for an unknown name, a wrong password or a disabled account;
            after repeated failures for one name, a message saying how long to wait.
        """
        outcome = self._write(
            lambda s: _accounts.authenticate_password(
                s, username, password, remote=remote, now=now or utcnow()
            )
        )
        if outcome is None:
            raise _accounts.bad_login()
        if isinstance(outcome, timedelta):
            minutes = max(1, -(-int(outcome.total_seconds()) // 60))
            raise AuthenticationError(
                f"Too many failed sign-ins for this name; try again in {minutes} minute(s).",
                retry_after=int(outcome.total_seconds()) + 1,
            )
        return outcome

    def login_oidc(
        self,
        identity: OidcIdentity,
        *,
        new_user_role: FacilityRole = FacilityRole.GUEST,
        link_existing: bool = True,
        remote: str | None = None,
        now: datetime | None = None,
    ) -> Principal:
        """The account a verified OpenID Connect identity signs in as (audited either way).

        Raises
        ------
        AuthenticationError
            When the identity cannot be matched to an account, or the account is disabled.
        """
        at = now or utcnow()
        outcome = self._write(
            lambda s: _access_oidc.oidc_login(
                s, identity, new_user_role=new_user_role, link_existing=link_existing,
                remote=remote, now=at,
            )
        )  # fmt: skip
        if isinstance(outcome, AuthenticationError):
            raise outcome
        return outcome

    def refuse_oidc(
        self, reason: str, *, remote: str | None = None, now: datetime | None = None
    ) -> AuthenticationError:
        """Audit a refused OIDC callback (bad state, provider error, invalid ID token).

        Returns the error to raise; after too many refusals from one address within the
        login window, one saying to wait instead.
        """
        at = now or utcnow()

        def work(s: Session) -> bool:
            throttled = _access_oidc.oidc_throttled(s, remote, now=at)
            _audit.record_event(
                s, at=at, actor=None, action="login.oidc", remote=remote, outcome="denied",
                details={"reason": reason, "throttled": throttled},
            )  # fmt: skip
            return throttled

        if self._write(work):
            return AuthenticationError(
                "Too many failed sign-ins from this address; try again in 15 minutes.",
                retry_after=int(_accounts.LOGIN_WINDOW.total_seconds()),
            )
        return AuthenticationError(f"Sign-in through the identity provider failed: {reason}")

    def oidc_throttled(self, remote: str | None, *, now: datetime | None = None) -> bool:
        """Whether OIDC callbacks from ``remote`` are refused unchecked for now."""
        return self._read(lambda s: _access_oidc.oidc_throttled(s, remote, now=now or utcnow()))

    def create_token(
        self,
        username: str,
        scope: Scope = Scope.READ,
        *,
        expires_in: timedelta = DEFAULT_TOKEN_LIFETIME,
        label: str | None = None,
        acting: Principal | None = None,
        remote: str | None = None,
        now: datetime | None = None,
    ) -> tuple[TokenRecord, str]:
        """A new API token: its record, and its secret - shown to its holder once, never kept."""
        if acting is not None and acting.username != username.lower():
            self._require_admin(acting)
        return self._write(
            lambda s: _accounts.create_token(
                s, username, scope, expires_in=expires_in, label=label, by=_actor(acting),
                remote=remote, now=now or utcnow(),
            )
        )  # fmt: skip

    def list_tokens(self, username: str | None = None) -> list[TokenRecord]:
        """API tokens (of one account, or all), newest first, without their secrets."""
        return self._read(lambda s: _accounts.list_tokens(s, username))

    def revoke_token(
        self, key_id: str, *, acting: Principal | None = None, remote: str | None = None
    ) -> TokenRecord:
        """Revoke a token by its key id."""
        if acting is not None:
            owned = {t.key_id for t in self.list_tokens(acting.username)}
            if key_id not in owned:
                self._require_admin(acting)
        return self._write(
            lambda s: _accounts.revoke_token(
                s, key_id, by=_actor(acting), remote=remote, now=utcnow()
            )
        )

    def authenticate_token(
        self, token: str, *, remote: str | None = None, now: datetime | None = None
    ) -> Principal:
        """The caller an API token stands for (raises :class:`AuthenticationError`)."""
        at = now or utcnow()
        principal, due = self._read(
            lambda s: _accounts.authenticate_token(s, token, remote=remote, now=at, record=False)
        )
        if due:  # first use, or first in an interval: checked again and logged, in writing
            principal, _ = self._write(
                lambda s: _accounts.authenticate_token(s, token, remote=remote, now=at, record=True)
            )
        return principal

    def authenticate_reviewer_link(
        self, link: str, *, remote: str | None = None, now: datetime | None = None
    ) -> Principal:
        """The read-only caller a reviewer link stands for.

        Its use is audited like an API token's: at its first use, then at most about once
        per :data:`TOKEN_USE_AUDIT_INTERVAL` (a check that only reads on most requests).
        """
        at = now or utcnow()
        principal = self._read(lambda s: _sharing.authenticate_reviewer_link(s, link, now=at))
        target = f"reviewer-link:{link.strip().split('_')[1]}"
        since = at - _accounts.TOKEN_USE_AUDIT_INTERVAL
        if not self._read(lambda s: _audit.recorded_since(s, "reviewer-link.use", target, since)):
            self._write(
                lambda s: _audit.record_event(
                    s, at=at, actor=None, action="reviewer-link.use", target=target,
                    remote=remote, details={"datasets": sorted(principal.reviewer_datasets)},
                )
            )  # fmt: skip
        return principal

    # -- ownership, visibility, sharing -------------------------------------------------

    def access_of(self, project: str, dataset: str | None = None) -> AccessRecord:
        """The stored owner, group and visibility of a project or dataset."""
        return self._read(
            lambda s: _visibility.access_record(s, _visibility.locate(s, project, dataset))
        )

    def assign(
        self,
        project: str,
        dataset: str | None = None,
        *,
        owner: str | None = None,
        group: str | None = None,
        acting: Principal | None = None,
        remote: str | None = None,
        now: datetime | None = None,
    ) -> AccessRecord:
        """Give a project (or dataset) an owner and, for a project, a group."""
        at = now or utcnow()

        def work(s: Session) -> AccessRecord:
            where = _visibility.locate(s, project, dataset)
            self._require(s, acting, where, Action.MOVE, at)
            owner_id = None if owner is None else _accounts.user_row(s, owner).id
            group_id = None
            if group is not None:
                group_id = next((g.id for g in _accounts.list_groups(s) if g.name == group), None)
                if group_id is None:
                    raise NotFoundError(f"No group {group!r}.", ref=group)
            _visibility.assign(
                s, where, owner_id=owner_id, group_id=group_id, by=_actor(acting),
                remote=remote, now=at,
            )  # fmt: skip
            s.flush()
            return _visibility.access_record(s, where)

        return self._write(work)

    def set_visibility(
        self,
        project: str,
        dataset: str | None = None,
        *,
        visibility: Visibility,
        until: datetime | None = None,
        event: str | None = None,
        acting: Principal | None = None,
        remote: str | None = None,
        now: datetime | None = None,
    ) -> AccessRecord:
        """Make a project or dataset private, embargoed (until a date or event) or public."""
        at = now or utcnow()

        def work(s: Session) -> AccessRecord:
            where = _visibility.locate(s, project, dataset)
            self._require(s, acting, where, Action.CHANGE_VISIBILITY, at)
            return _visibility.set_visibility(
                s, where, visibility, until=until, event=event, by=_actor(acting),
                remote=remote, now=at,
            )  # fmt: skip

        return self._write(work)

    def release_due(self, *, now: datetime | None = None) -> list[str]:
        """Make public (and audit) every embargo whose date has come; returns the targets."""
        return self._write(lambda s: _visibility.release_due(s, now or utcnow()))

    def record_event(
        self,
        event: str,
        project: str,
        dataset: str | None = None,
        *,
        acting: Principal | None = None,
        now: datetime | None = None,
    ) -> list[str]:
        """Record an event (``publication``) and release the embargoes waiting for it.

        Recording an event is an edit of the object's description; the releases follow from
        embargo terms set earlier by someone allowed to change its visibility.
        """
        at = now or utcnow()

        def work(s: Session) -> list[str]:
            where = _visibility.locate(s, project, dataset)
            self._require(s, acting, where, Action.EDIT, at)
            return _visibility.release_on_event(s, where, event, by=_actor(acting), now=at)

        return self._write(work)

    def share(
        self,
        project: str,
        dataset: str | None = None,
        *,
        user: str | None = None,
        group: str | None = None,
        acting: Principal | None = None,
        remote: str | None = None,
        now: datetime | None = None,
    ) -> bool:
        """Share with one account or one group; ``False`` if it already was."""
        return self._change_share(
            _sharing.share, project, dataset, user, group, acting, remote, now or utcnow()
        )

    def unshare(
        self,
        project: str,
        dataset: str | None = None,
        *,
        user: str | None = None,
        group: str | None = None,
        acting: Principal | None = None,
        remote: str | None = None,
        now: datetime | None = None,
    ) -> bool:
        """Withdraw a share; ``False`` if there was none."""
        return self._change_share(
            _sharing.unshare, project, dataset, user, group, acting, remote, now or utcnow()
        )

    def _change_share(
        self,
        change: Callable[..., bool],
        project: str,
        dataset: str | None,
        user: str | None,
        group: str | None,
        acting: Principal | None,
        remote: str | None,
        at: datetime,
    ) -> bool:
        def work(s: Session) -> bool:
            where = _visibility.locate(s, project, dataset)
            self._require(s, acting, where, Action.SHARE, at)
            return change(
                s, where, user=user, group=group, by=_actor(acting), remote=remote, now=at
            )

        return self._write(work)

    def create_reviewer_link(
        self,
        project: str,
        dataset: str,
        *,
        expires_in: timedelta,
        label: str | None = None,
        acting: Principal | None = None,
        remote: str | None = None,
        now: datetime | None = None,
    ) -> tuple[ReviewerLinkRecord, str]:
        """A reviewer link to one dataset: its record and its secret (shown once)."""
        at = now or utcnow()

        def work(s: Session) -> tuple[ReviewerLinkRecord, str]:
            where = _visibility.locate(s, project, dataset)
            self._require(s, acting, where, Action.SHARE, at)
            return _sharing.create_reviewer_link(
                s, where, expires_in=expires_in, label=label, by=_actor(acting),
                remote=remote, now=at,
            )  # fmt: skip

        return self._write(work)

    def revoke_reviewer_link(
        self, key_id: str, *, acting: Principal | None = None, remote: str | None = None
    ) -> None:
        """Withdraw a reviewer link by its key id."""
        self._require_admin(acting)
        self._write(
            lambda s: _sharing.revoke_reviewer_link(
                s, key_id, by=_actor(acting), remote=remote, now=utcnow()
            )
        )

    # -- what the web UI shows (catalog/_access_views.py) ---------------------------------

    def shares_of(
        self, project: str, dataset: str | None = None, *, acting: Principal | None = None
    ) -> list[ShareRecord]:
        """The shares of a project or dataset, for those who may share it."""
        at = utcnow()

        def work(s: Session) -> list[ShareRecord]:
            where = _visibility.locate(s, project, dataset)
            self._require(s, acting, where, Action.SHARE, at)
            return _access_views.shares_of(s, where)

        return self._read(work)

    def reviewer_links_of(
        self, project: str, dataset: str, *, acting: Principal | None = None
    ) -> list[ReviewerLinkRecord]:
        """A dataset's reviewer links (revoked and expired too), for those who may share it."""
        at = utcnow()

        def work(s: Session) -> list[ReviewerLinkRecord]:
            where = _visibility.locate(s, project, dataset)
            self._require(s, acting, where, Action.SHARE, at)
            return _access_views.reviewer_links_of(s, where)

        return self._read(work)

    def revoke_dataset_reviewer_link(
        self,
        project: str,
        dataset: str,
        key_id: str,
        *,
        acting: Principal | None = None,
        remote: str | None = None,
    ) -> None:
        """Withdraw one of a dataset's reviewer links (whoever may share the dataset may)."""
        at = utcnow()

        def work(s: Session) -> None:
            where = _visibility.locate(s, project, dataset)
            self._require(s, acting, where, Action.SHARE, at)
            if key_id not in {link.key_id for link in _access_views.reviewer_links_of(s, where)}:
                raise NotFoundError(
                    f"Dataset {project}/{dataset} has no reviewer link {key_id!r}.", ref=key_id
                )
            _sharing.revoke_reviewer_link(s, key_id, by=_actor(acting), remote=remote, now=at)

        self._write(work)

    def shared_with(self, principal: Principal) -> list[SharedItem]:
        """Projects and datasets shared with ``principal`` directly or through its groups."""
        return self._read(lambda s: _access_views.shared_with(s, principal))

    def visibility_views(
        self, *, now: datetime | None = None
    ) -> dict[tuple[str, str | None], VisibilityView]:
        """The visibility in force of every project ``(P, None)`` and dataset ``(P, D)``."""
        return self._read(lambda s: _access_views.visibility_views(s, now or utcnow()))

    def dataset_places(self, ids: Iterable[int]) -> list[tuple[str, str]]:
        """The ``(project, dataset)`` names of datasets given by id (a reviewer link's)."""
        return self._read(lambda s: _access_views.dataset_places(s, set(ids)))

    # -- decisions ------------------------------------------------------------------------

    def permitted(
        self,
        principal: Principal,
        project: str,
        dataset: str | None = None,
        *,
        now: datetime | None = None,
    ) -> frozenset[Action]:
        """What ``principal`` may do to a project or dataset now (per the one policy)."""
        return self._read(
            lambda s: permitted(
                principal,
                _visibility.object_facts(s, _visibility.locate(s, project, dataset)),
                now or utcnow(),
            )
        )

    def require_on_image(
        self, principal: Principal, ref: str, action: Action, *, now: datetime | None = None
    ) -> ImageRecord:
        """The image ``ref`` names, if ``principal`` may perform ``action`` on it now.

        Raises
        ------
        NotFoundError
            For an unknown image, and - with the very same message - for one the caller may
            not see.
        PermissionDeniedError
            When the caller sees the image but may not perform ``action``.
        """
        at = now or utcnow()
        if _access_lookup.is_uuid_prefix(ref):
            # Resolved among visible images only: an ambiguous answer must not name, or
            # even hint at, images the caller may not see.
            def visible(s: Session, image: ImageRecord) -> bool:
                where = _visibility.locate(s, image.project, image.dataset)
                rights = permitted(principal, _visibility.object_facts(s, where), at)
                return bool(rights & {Action.VIEW_METADATA, Action.LIST})

            record = self._read(
                lambda s: _access_lookup.resolve_visible_prefix(s, ref, partial(visible, s))
            )
        else:
            record = self._catalog.get_image(ref)
        rights = self.permitted(principal, record.project, record.dataset, now=at)
        _check(principal, rights, action, lambda: _image_not_found(ref), record.uuid)
        return record

    def require_on_original(
        self, principal: Principal, sha256: str, action: Action, *, now: datetime | None = None
    ) -> None:
        """Refuse ``action`` on an original file unless allowed on (one of) its images."""
        digest = sha256.lower()
        unknown = NotFoundError(f"No original file with SHA-256 {sha256}.", sha256=sha256)
        found = self._catalog.find_original_files([digest]).get(digest)
        if found is None:
            raise unknown
        images = self._catalog.fileset_images(found.fileset_id)
        rights = frozenset[Action]().union(
            *(self.permitted(principal, i.project, i.dataset, now=now) for i in images[:1])
        )
        _check(principal, rights, action, lambda: unknown, found.original_name)

    def require_on_project(
        self,
        principal: Principal,
        project: str,
        action: Action,
        *,
        dataset: str | None = None,
        now: datetime | None = None,
    ) -> None:
        """Refuse ``action`` on a project (or one of its datasets) unless the policy allows it.

        One the caller may not see is "not found", in the words used for a missing one.
        """
        try:
            rights = self.permitted(principal, project, dataset, now=now)
        except NotFoundError:
            raise _visibility.not_found(project, dataset) from None
        name = project if dataset is None else f"{project}/{dataset}"
        _check(principal, rights, action, lambda: _visibility.not_found(project, dataset), name)

    @staticmethod
    def search_restriction(datasets: Iterable[int], projects: Iterable[int]) -> Restriction:
        """The search index scope showing only ``datasets`` and ``projects``.

        Entries of a dataset or an image follow their dataset; project-level entries
        (studies) follow their project. The search applies it to hits, totals and every
        facet count alike.
        """
        return Restriction(frozenset(datasets), frozenset(projects))

    def readable_projects(
        self, principal: Principal, action: Action = Action.LIST, *, now: datetime | None = None
    ) -> set[int]:
        """Ids of the projects on which ``principal`` may perform ``action`` now.

        Project-level search entries (studies) are restricted to these.
        """
        return self._read(
            lambda s: _visibility.readable_projects(s, principal, now or utcnow(), action)
        )

    def readable_datasets(
        self, principal: Principal, action: Action = Action.LIST, *, now: datetime | None = None
    ) -> set[int]:
        """Ids of the datasets on which ``principal`` may perform ``action`` now.

        Listing, search and facet counts restrict themselves to these, so that nothing
        reveals what a caller may not see.
        """
        return self._read(
            lambda s: _visibility.readable_datasets(s, principal, now or utcnow(), action)
        )

    # -- audit ----------------------------------------------------------------------------

    def audit_events(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        actor: str | None = None,
        action: str | None = None,
        target: str | None = None,
        limit: int | None = 100,
    ) -> list[AuditRecord]:
        """Audited events, newest first (``action`` also matches a family: ``token``)."""
        return self._read(
            lambda s: _audit.list_audit_events(
                s, since=since, until=until, actor=actor, action=action, target=target,
                limit=limit,
            )
        )  # fmt: skip

    def move_image(
        self,
        ref: str,
        dataset: str,
        *,
        acting: Principal | None = None,
        remote: str | None = None,
        now: datetime | None = None,
    ) -> MovedImages:
        """Refile an image (with its fileset) under another dataset of its project.

        ``acting`` needs ``move`` on both datasets; an image or dataset it may not see is
        "not found", as when missing. Originals, digests and UUIDs do not change.
        """
        at = now or utcnow()
        if acting is None:
            record = self._catalog.get_image(ref)
        else:
            record = self.require_on_image(acting, ref, Action.MOVE, now=at)

        def work(s: Session) -> MovedImages:
            source, destination, moved = _access_move.move_fileset(
                s, record, dataset, by=_actor(acting), remote=remote, now=at
            )
            self._require(s, acting, source, Action.MOVE, at)
            self._require(s, acting, destination, Action.MOVE, at)
            return moved

        return self._write(work)

    def record_download(
        self,
        principal: Principal | None,
        sha256: str,
        *,
        name: str,
        partial: bool,
        remote: str | None = None,
        now: datetime | None = None,
    ) -> None:
        """Audit the download of an original file (its start: see ``docs/access.md``)."""
        self._write(
            lambda s: _audit.record_event(
                s, at=now or utcnow(), actor=None if principal is None else principal.username,
                action="download.original", target=f"original:{sha256}", remote=remote,
                details={"name": name, "partial": partial},
            )
        )  # fmt: skip

    def record_denial(
        self,
        principal: Principal,
        action: str,
        target: str,
        *,
        remote: str | None = None,
        now: datetime | None = None,
    ) -> None:
        """Audit a refused request (in its own transaction, since the request fails)."""
        self._write(
            lambda s: _audit.record_event(
                s, at=now or utcnow(), actor=principal.username, action=action, target=target,
                remote=remote, outcome="denied",
            )
        )  # fmt: skip

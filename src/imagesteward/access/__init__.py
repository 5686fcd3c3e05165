"""Who may do what: the access policy, credentials and the words both use.

Pure logic, no database: the catalog stores accounts, groups, shares and visibility and asks
this package for every decision; the server and the CLI authenticate callers with it. The one
policy table is :data:`POLICY` (role × group level × visibility → actions); :func:`permitted`
and :func:`decide` apply it to a :class:`Principal` and an object's :class:`ObjectFacts` at a
given instant.
"""

from imagesteward.access._decisions import (
    ANONYMOUS,
    Container,
    Decision,
    ObjectFacts,
    Principal,
    decide,
    effective_visibility,
    permitted,
    roles_of,
)
from imagesteward.access._passwords import (
    MIN_PASSWORD_LENGTH,
    check_new_password,
    hash_password,
    needs_rehash,
    verify_password,
    waste_verification,
)
from imagesteward.access._policy import POLICY, PolicyKey, allowed_actions, policy_rows
from imagesteward.access._redaction import (
    SecretRedactingFilter,
    install_secret_redaction,
    redact_secrets,
)
from imagesteward.access._secrets import (
    REVIEWER_PREFIX,
    TOKEN_PREFIX,
    IssuedSecret,
    digest_matches,
    issue_secret,
    parse_secret,
)
from imagesteward.access._vocabulary import (
    FETCH,
    READ,
    Action,
    FacilityRole,
    GroupLevel,
    Role,
    Scope,
    Visibility,
)

__all__ = [
    "ANONYMOUS",
    "FETCH",
    "MIN_PASSWORD_LENGTH",
    "POLICY",
    "READ",
    "REVIEWER_PREFIX",
    "TOKEN_PREFIX",
    "Action",
    "Container",
    "Decision",
    "FacilityRole",
    "GroupLevel",
    "IssuedSecret",
    "ObjectFacts",
    "PolicyKey",
    "Principal",
    "Role",
    "Scope",
    "SecretRedactingFilter",
    "Visibility",
    "allowed_actions",
    "check_new_password",
    "decide",
    "digest_matches",
    "effective_visibility",
    "hash_password",
    "install_secret_redaction",
    "issue_secret",
    "needs_rehash",
    "parse_secret",
    "permitted",
    "policy_rows",
    "redact_secrets",
    "roles_of",
    "verify_password",
    "waste_verification",
]

"""An installation: settings, catalog, store and readers, opened together.

The CLI and the server never build these parts themselves; they call :func:`open_installation`
(or :func:`init_installation` for a new one) and pass the result to capability functions.
"""

from imagesteward.installation._doctor import DoctorCheck, doctor
from imagesteward.installation._first_admin import (
    ADMIN_PASSWORD_ENV,
    DEFAULT_ADMIN,
    FirstAdministrator,
    first_administrator,
)
from imagesteward.installation._purge import PurgeReport, purge_removed
from imagesteward.installation._setup import (
    Installation,
    init_installation,
    open_installation,
)

__all__ = [
    "ADMIN_PASSWORD_ENV",
    "DEFAULT_ADMIN",
    "DoctorCheck",
    "FirstAdministrator",
    "Installation",
    "PurgeReport",
    "doctor",
    "first_administrator",
    "init_installation",
    "open_installation",
    "purge_removed",
]

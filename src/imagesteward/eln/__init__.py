"""Importing ELN Consortium archives (``.eln``: an RO-Crate in a zip) into a project.

People (with ORCID), organisations (with ROR), samples, specimens and experiments of the crate
become the project's REMBI study; files a reader recognises are ingested as images and linked
to the samples and experiments that contain them; every other file is kept as an original;
what could not be mapped is reported, entity by entity, with the reason. The archive is treated
as hostile input and refused whole, before anything is written, when it breaks a limit.

    from imagesteward.eln import import_eln
    result = import_eln(Path("export.eln"), installation, project="cells")
    result.unmapped   # [UnmappedEntity(entity_id, types, reason), ...]
"""

from imagesteward.eln._archive import ArchiveLimits, CrateArchive, Member, open_archive
from imagesteward.eln._crate import Crate, parse_crate
from imagesteward.eln._import import ElnImport, import_eln
from imagesteward.eln._mapping import CratePlan, plan_crate
from imagesteward.eln._report import AttachedFile, MappedEntity, UnmappedEntity

__all__ = [
    "ArchiveLimits",
    "AttachedFile",
    "Crate",
    "CrateArchive",
    "CratePlan",
    "ElnImport",
    "MappedEntity",
    "Member",
    "UnmappedEntity",
    "import_eln",
    "open_archive",
    "parse_crate",
    "plan_crate",
]

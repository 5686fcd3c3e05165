"""From a crate's graph to the model: a REMBI ``Study`` and the links to its files.

Every entity of the graph ends either mapped (with where it went) or unmapped (with why), so the
report accounts for the whole crate. The rules:

* the root data entity is the study: ``name`` -> title, ``description``, ``license`` (a licence
  URI), ``keywords``, ``datePublished`` -> release date (schema.org's own mapping of the slot);
* people named as ``author`` or ``creator`` of anything in the crate are the study's authors,
  with ORCID, e-mail and affiliation (an ``Organization`` with its ROR);
* entities whose ELN ``genre`` (or type) says *experiment* become study components, listing the
  images read from the files they contain (``hasPart``, transitively);
* *sample* entities become biosamples and *specimen* entities specimens; images read from files
  they contain, or files that are ``about`` them, are linked to them;
* *instrument* entities describe the microscope of the images they are linked to
  (:mod:`imagesteward.eln._instruments`);
* the descriptor's ``sdPublisher`` is the application that exported the crate;
* plain ``Dataset`` entities are the crate's folders; ``File`` entities are its files.

Nothing here touches the catalog: the plan is built, checked and reported before any write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from imagesteward.eln._crate import Crate, Entity, references, types_of
from imagesteward.eln._instruments import LinkedInstrument, linked_instruments
from imagesteward.eln._people import person_document
from imagesteward.eln._report import MappedEntity, UnmappedEntity

__all__ = ["CratePlan", "OrganismResolver", "plan_crate"]

#: Resolves an organism as written in a crate to a ``{term_id, label}`` term, or raises
#: ``ImageStewardError`` with the reason.
OrganismResolver = Callable[[Any], dict[str, str]]

# ELN genres (the consortium's defined types), additional types and schema.org types, by kind.
_KINDS = {
    "experiment": "experiment",
    "sample": "biosample",
    "biosample": "biosample",
    "specimen": "specimen",
    "instrument": "instrument",
    "individualproduct": "instrument",
    "product": "instrument",
}
_PEOPLE_KEYS = ("author", "creator", "contributor")
_ORGANISM_KEYS = ("taxonomicRange", "organism", "species")


@dataclass(slots=True)
class CratePlan:
    """The study a crate describes and how its files relate to it.

    Attributes
    ----------
    study
        The ``Study`` document (JSON), before catalog validation.
    file_entities
        File entity ``@id`` by the archive path it names.
    sample_files, specimen_files
        Archive paths of the files linked to each biosample / specimen identifier.
    component_files
        Archive paths of the files of each study component, in component order.
    instruments
        Instrument entities with their ``Microscope`` fields and linked files; the import
        reports them as mapped or not once it knows which files became images.
    mapped, unmapped
        The fate of every other entity of the graph.
    exported_by
        Name of the application that wrote the crate (``sdPublisher``).
    conforms_to
        The RO-Crate version URI.
    """

    study: dict[str, Any]
    file_entities: dict[str, str] = field(default_factory=dict)
    sample_files: dict[str, set[str]] = field(default_factory=dict)
    specimen_files: dict[str, set[str]] = field(default_factory=dict)
    component_files: list[set[str]] = field(default_factory=list)
    instruments: list[LinkedInstrument] = field(default_factory=list)
    mapped: list[MappedEntity] = field(default_factory=list)
    unmapped: list[UnmappedEntity] = field(default_factory=list)
    exported_by: str | None = None
    conforms_to: str | None = None

    def media_type(self, crate: Crate, path: str) -> str | None:
        """The ``encodingFormat`` the crate declares for the file at ``path``."""
        entity = crate.get(self.file_entities.get(path, ""))
        value = None if entity is None else entity.get("encodingFormat")
        return value if isinstance(value, str) else None


def _genre(entity: Entity) -> str | None:
    """What kind of thing an ELN entity is: its ``genre``, ``additionalType`` or ``@type``."""
    words = [entity.get("genre"), entity.get("additionalType"), *types_of(entity)]
    for word in words:
        if not isinstance(word, str):
            continue
        tail = word.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1].casefold()
        if tail in _KINDS:
            return _KINDS[tail]
    return None


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


class _Planner:
    def __init__(
        self, crate: Crate, members: set[str], fallback_title: str, organisms: OrganismResolver
    ) -> None:
        self.crate = crate
        self.members = members
        self.organisms = organisms
        self.plan = CratePlan(study={"title": fallback_title}, conforms_to=crate.conforms_to)
        self.done: set[str] = set()

    def mapped(self, entity: Entity, target: str, notes: list[str] | tuple[str, ...] = ()) -> None:
        self.done.add(entity["@id"])
        self.plan.mapped.append(MappedEntity(entity["@id"], types_of(entity), target, tuple(notes)))

    def unmapped(self, entity: Entity, reason: str) -> None:
        self.done.add(entity["@id"])
        self.plan.unmapped.append(UnmappedEntity(entity["@id"], types_of(entity), reason))

    def files_under(self, entity: Entity) -> set[str]:
        """Archive paths of the files an entity contains, following ``hasPart`` down."""
        found: set[str] = set()
        seen: set[str] = set()
        pending = list(references(entity.get("hasPart")))
        while pending:
            ref = pending.pop()
            if ref in seen:
                continue
            seen.add(ref)
            path = self.crate.member_path(ref)
            if path is not None and path in self.members:
                found.add(path)
            child = self.crate.get(ref)
            if child is not None:
                pending.extend(references(child.get("hasPart")))
        return found

    def files_about(self, entity: Entity) -> set[str]:
        """Archive paths of File entities that say they are ``about`` ``entity``."""
        return {
            path
            for path, ref in self.plan.file_entities.items()
            if entity["@id"] in references((self.crate.get(ref) or {}).get("about"))
        }


def plan_crate(
    crate: Crate, members: set[str], *, fallback_title: str, organisms: OrganismResolver
) -> CratePlan:
    """Map ``crate`` (whose archive holds the files ``members``) onto the model.

    Parameters
    ----------
    crate
        The parsed graph.
    members
        Paths of the archive's files relative to the crate root.
    fallback_title
        The study title when the root data entity has no name (the archive's name).
    organisms
        Turns an organism as the crate writes it into an NCBITaxon term.
    """
    planner = _Planner(crate, members, fallback_title, organisms)
    _files(planner)
    _root(planner)
    _people(planner)
    instruments = _things(planner)
    planner.plan.instruments = linked_instruments(crate, instruments, planner.files_under)
    planner.done.update(entity["@id"] for entity in instruments)
    for instrument in instruments:
        for maker in crate.linked(instrument, "manufacturer"):
            if maker["@id"] not in planner.done:
                planner.mapped(maker, f"manufacturer of {instrument['@id']}")
    for entity in crate.entities.values():
        if entity["@id"] not in planner.done:
            planner.unmapped(entity, _why_not(entity))
    for ref in crate.duplicates:
        planner.plan.unmapped.append(
            UnmappedEntity(ref, (), "a second entity with the same @id; only the first is used")
        )
    for position in crate.anonymous:
        planner.plan.unmapped.append(
            UnmappedEntity(f"@graph[{position}]", (), "not an entity: it has no string @id")
        )
    return planner.plan


def _files(planner: _Planner) -> None:
    for entity in planner.crate.entities.values():
        if "File" not in types_of(entity):
            continue
        ref = entity["@id"]
        path = planner.crate.member_path(ref)
        if ref.removeprefix("./") == "ro-crate-metadata.json":
            continue
        if path is None:
            planner.unmapped(entity, "a web resource (absolute URI), not a file of the archive")
        elif path not in planner.members:
            planner.unmapped(entity, "named in the crate, but the archive holds no such file")
        else:
            planner.plan.file_entities[path] = ref
            planner.mapped(entity, "file")


def _root(planner: _Planner) -> None:
    crate, study = planner.crate, planner.plan.study
    root = crate.root
    notes: list[str] = []
    if name := _text(root.get("name")):
        study["title"] = name
    else:
        notes.append("no name: the study is titled after the archive")
    if description := _text(root.get("description")):
        study["description"] = description
    _license(planner, root, notes)
    keywords = root.get("keywords")
    if isinstance(keywords, str):
        keywords = [k.strip() for k in keywords.split(",")]
    if isinstance(keywords, list):
        words = [k.strip() for k in keywords if isinstance(k, str) and k.strip()]
        if words:
            study["keywords"] = list(dict.fromkeys(words))
    published = _text(root.get("datePublished"))
    if published:
        try:
            study["release_date"] = date.fromisoformat(published[:10]).isoformat()
        except ValueError:
            notes.append(f"datePublished {published!r} dropped: not an ISO 8601 date")
    funders = [_text(f.get("name")) or f["@id"] for f in crate.linked(root, "funder")]
    if funders:
        study["funding_statement"] = "Funded by " + "; ".join(funders) + "."
        for funder in crate.linked(root, "funder"):
            planner.mapped(funder, "study.funding_statement")
    planner.mapped(root, "study", notes)
    descriptor = crate.get("ro-crate-metadata.json") or crate.get("./ro-crate-metadata.json")
    if descriptor is not None:
        planner.mapped(descriptor, "crate")
        for publisher in crate.linked(descriptor, "sdPublisher"):
            planner.plan.exported_by = _text(publisher.get("name")) or publisher["@id"]
            planner.mapped(publisher, "exported by")


def _license(planner: _Planner, root: Entity, notes: list[str]) -> None:
    for ref in references(root.get("license")):
        entity = planner.crate.get(ref)
        candidates: list[Any] = [ref]
        if entity is not None:
            candidates += [entity.get("url"), entity.get("identifier")]
        uri = next(
            (c for c in candidates if isinstance(c, str) and c.startswith(("https://", "http://"))),
            None,
        )
        if uri is not None:
            planner.plan.study["license"] = uri
            if entity is not None:
                planner.mapped(entity, "study.license")
            return
        label = _text(entity.get("name")) if entity is not None else None
        reason = (
            f"the crate's licence {ref!r}{f' ({label!r})' if label else ''} names no licence URI"
        )
        notes.append(reason + ": the study has no licence")
        if entity is not None:
            planner.unmapped(entity, reason)


def _people(planner: _Planner) -> None:
    crate = planner.crate
    ordered: list[Entity] = []
    for entity in [crate.root, *crate.entities.values()]:
        for key in _PEOPLE_KEYS:
            for person in crate.linked(entity, key):
                if "Person" in types_of(person) and person not in ordered:
                    ordered.append(person)
    authors: list[dict[str, Any]] = []
    for person in ordered:
        document, notes, affiliation = person_document(crate, person)
        if document is None:
            planner.unmapped(person, "a person with neither a name nor an e-mail address")
            continue
        target = f"study.authors[{len(authors)}]"
        authors.append(document)
        planner.mapped(person, target, notes)
        if affiliation is not None and affiliation["@id"] not in planner.done:
            planner.mapped(affiliation, f"{target}.affiliation")
    if authors:
        planner.plan.study["authors"] = authors


def _things(planner: _Planner) -> list[Entity]:
    """Map experiments, samples and specimens; return the instrument entities."""
    crate, study = planner.crate, planner.plan.study
    identifiers: set[str] = set()
    instruments: list[Entity] = []
    for entity in crate.entities.values():
        if entity["@id"] in planner.done:
            continue
        kind = _genre(entity)
        if kind == "experiment":
            component: dict[str, Any] = {"name": _text(entity.get("name")) or entity["@id"]}
            if description := _text(entity.get("description")):
                component["description"] = description
            study.setdefault("study_components", []).append(component)
            planner.plan.component_files.append(planner.files_under(entity))
            planner.mapped(entity, f"study.study_components[{len(study['study_components']) - 1}]")
        elif kind in ("biosample", "specimen"):
            identifier = _identifier(entity, identifiers)
            files = planner.files_under(entity) | planner.files_about(entity)
            if kind == "biosample":
                document, notes = _biosample(planner, entity, identifier)
                slot, links = "biosamples", planner.plan.sample_files
            else:
                document, notes = _specimen(entity, identifier), []
                slot, links = "specimens", planner.plan.specimen_files
            study.setdefault(slot, []).append(document)
            links[identifier] = files
            planner.mapped(entity, f"study.{slot}[{len(study[slot]) - 1}]", notes)
        elif kind == "instrument":
            instruments.append(entity)
        elif types_of(entity) == ("Dataset",):
            planner.mapped(entity, "folder")
    return instruments


def _identifier(entity: Entity, taken: set[str]) -> str:
    own = _text(entity.get("identifier"))
    ref = str(entity["@id"]).removeprefix("./").rstrip("/") or str(entity["@id"])
    chosen = own if own and own not in taken else ref
    taken.add(chosen)
    return chosen


def _biosample(
    planner: _Planner, entity: Entity, identifier: str
) -> tuple[dict[str, Any], list[str]]:
    notes: list[str] = []
    document: dict[str, Any] = {"identifier": identifier}
    if name := _text(entity.get("name")):
        document["biological_entity"] = name
    if description := _text(entity.get("description")):
        document["description"] = description
    for key in _ORGANISM_KEYS:
        value = entity.get(key)
        if value is None:
            continue
        linked = planner.crate.get(next(references(value), "")) if isinstance(value, dict) else None
        if linked is not None:
            value = _text(linked.get("name")) or value
        try:
            document["organism"] = planner.organisms(value)
        except Exception as exc:  # noqa: BLE001 - any resolver failure becomes a note
            notes.append(f"{key} {value!r} not mapped: {exc}")
        break
    variables = list(_variables(planner.crate, entity))
    if variables:
        document["intrinsic_variables"] = variables
        for ref in references(entity.get("variableMeasured")):
            linked = planner.crate.get(ref)
            if linked is not None:
                planner.mapped(linked, f"study.biosamples[{identifier}].intrinsic_variables")
    return document, notes


def _specimen(entity: Entity, identifier: str) -> dict[str, Any]:
    document: dict[str, Any] = {"identifier": identifier}
    if description := _text(entity.get("description")):
        document["sample_preparation_protocol"] = description
    return document


def _variables(crate: Crate, entity: Entity) -> Iterator[str]:
    """``variableMeasured`` property values as ``name: value unit`` text."""
    values = entity.get("variableMeasured")
    for item in values if isinstance(values, list) else [values]:
        if not isinstance(item, dict):
            continue
        value = crate.get(item["@id"]) if isinstance(item.get("@id"), str) else None
        value = value or item
        name = _text(value.get("name")) or _text(value.get("propertyID"))
        amount = value.get("value")
        if name is None or amount is None or isinstance(amount, (dict, list)):
            continue
        unit = _text(value.get("unitText")) or _text(value.get("unitCode"))
        yield f"{name}: {amount}{f' {unit}' if unit else ''}"


def _why_not(entity: Entity) -> str:
    types = types_of(entity)
    if "Person" in types:
        return "a person who is not named as author, creator or contributor of anything"
    if "Organization" in types:
        return (
            "an organisation that is neither an author's affiliation, a funder nor the "
            "exporting application"
        )
    if "Dataset" in types:
        others = [t for t in types if t != "Dataset"]
        return (
            f"a notebook entry ({', '.join(others) or 'Dataset'}) with no sample, specimen or "
            "experiment genre; its text stays in the attached ro-crate-metadata.json"
        )
    shown = ", ".join(types) or "no @type"
    return f"{shown}: no counterpart in the imagesteward model"

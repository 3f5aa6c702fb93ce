"""``imsmanifest.xml`` for SCORM 1.2 and SCORM 2004 4th edition: one SCO per module.

The first ``<resource>`` is the first module's launch page, because importers
(Moodle among them) launch the first resource's ``href``; the shared files are an
asset resource listed after the SCOs. ``schemaversion`` is exactly ``1.2`` or
``2004 4th Edition``: importers treat anything but ``1.2`` as 2004. No LOM
metadata is inlined (the 4th-edition schema set has no LOM schemas to check it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from xml.etree import ElementTree as ET


class ScormVersion(StrEnum):
    V1_2 = "1.2"
    V2004 = "2004"


SCHEMA_VERSIONS = {ScormVersion.V1_2: "1.2", ScormVersion.V2004: "2004 4th Edition"}

_XSI = "http://www.w3.org/2001/XMLSchema-instance"


@dataclass(frozen=True, slots=True)
class _Names:
    imscp: str
    adlcp: str
    locations: tuple[tuple[str, str], ...]  # (namespace, schema file) for xsi:schemaLocation
    scorm_type: str  # the attribute's local name: 1.2 and 2004 spell it differently


_NAMES = {
    ScormVersion.V1_2: _Names(
        imscp="http://www.imsproject.org/xsd/imscp_rootv1p1p2",
        adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2",
        locations=(
            ("http://www.imsproject.org/xsd/imscp_rootv1p1p2", "imscp_rootv1p1p2.xsd"),
            ("http://www.adlnet.org/xsd/adlcp_rootv1p2", "adlcp_rootv1p2.xsd"),
        ),
        scorm_type="scormtype",
    ),
    ScormVersion.V2004: _Names(
        imscp="http://www.imsglobal.org/xsd/imscp_v1p1",
        adlcp="http://www.adlnet.org/xsd/adlcp_v1p3",
        locations=(
            ("http://www.imsglobal.org/xsd/imscp_v1p1", "imscp_v1p1.xsd"),
            ("http://www.adlnet.org/xsd/adlcp_v1p3", "adlcp_v1p3.xsd"),
        ),
        scorm_type="scormType",
    ),
}


@dataclass(frozen=True, slots=True)
class Sco:
    """One module as the manifest lists it."""

    identifier: str  # an XML ID: starts with a letter
    title: str
    href: str  # the launch page, relative to the package root
    files: tuple[str, ...]  # files of the SCO itself, the launch page first


def manifest_xml(
    *,
    version: ScormVersion,
    identifier: str,
    package_version: str,
    title: str,
    scos: Sequence[Sco],
    shared_files: Sequence[str],
) -> bytes:
    """The manifest as UTF-8 bytes; the same arguments give the same bytes."""
    names = _NAMES[version]

    # Prefixes written out by hand: ElementTree's register_namespace is process-wide state.
    root = ET.Element(
        "manifest",
        {
            "identifier": identifier,
            "version": package_version,
            "xmlns": names.imscp,
            "xmlns:adlcp": names.adlcp,
            "xmlns:xsi": _XSI,
            "xsi:schemaLocation": " ".join(f"{ns} {loc}" for ns, loc in names.locations),
        },
    )
    metadata = ET.SubElement(root, "metadata")
    ET.SubElement(metadata, "schema").text = "ADL SCORM"
    ET.SubElement(metadata, "schemaversion").text = SCHEMA_VERSIONS[version]

    organizations = ET.SubElement(root, "organizations", {"default": "org"})
    organization = ET.SubElement(organizations, "organization", {"identifier": "org"})
    ET.SubElement(organization, "title").text = title
    for sco in scos:
        item = ET.SubElement(
            organization,
            "item",
            {"identifier": f"item-{sco.identifier}", "identifierref": f"res-{sco.identifier}"},
        )
        ET.SubElement(item, "title").text = sco.title

    resources = ET.SubElement(root, "resources")
    scorm_type = f"adlcp:{names.scorm_type}"
    for sco in scos:
        resource = ET.SubElement(
            resources,
            "resource",
            {
                "identifier": f"res-{sco.identifier}",
                "type": "webcontent",
                scorm_type: "sco",
                "href": sco.href,
            },
        )
        for name in sco.files:
            ET.SubElement(resource, "file", {"href": name})
        ET.SubElement(resource, "dependency", {"identifierref": "res-shared"})
    shared = ET.SubElement(
        resources,
        "resource",
        {"identifier": "res-shared", "type": "webcontent", scorm_type: "asset"},
    )
    for name in shared_files:
        ET.SubElement(shared, "file", {"href": name})

    ET.indent(root)
    declaration = '<?xml version="1.0" encoding="UTF-8"?>\n'
    return (declaration + ET.tostring(root, encoding="unicode") + "\n").encode("utf-8")

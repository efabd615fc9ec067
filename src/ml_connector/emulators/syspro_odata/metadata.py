"""CSDL ($metadata) generated from the same table definitions that shape the rows."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from .schema import Column, Table

EDMX = "http://docs.oasis-open.org/odata/ns/edmx"
EDM = "http://docs.oasis-open.org/odata/ns/edm"
CORE = "https://oasis-tcs.github.io/odata-vocabularies/vocabularies/Org.OData.Core.V1.xml"
NAMESPACE = "SYSPRO"


def csdl(tables: tuple[Table, ...], company: str, date_type: str) -> bytes:
    """OData 4.0 CSDL XML: one EntityType + EntitySet per table, container ``SysproCompany<id>``."""
    ET.register_namespace("edmx", EDMX)
    ET.register_namespace("", EDM)
    root = ET.Element(f"{{{EDMX}}}Edmx", {"Version": "4.0"})
    ref = ET.SubElement(root, f"{{{EDMX}}}Reference", {"Uri": CORE})
    ET.SubElement(ref, f"{{{EDMX}}}Include", {"Namespace": "Org.OData.Core.V1", "Alias": "Core"})
    services = ET.SubElement(root, f"{{{EDMX}}}DataServices")
    schema = ET.SubElement(services, f"{{{EDM}}}Schema", {"Namespace": NAMESPACE})
    for table in tables:
        entity = ET.SubElement(schema, f"{{{EDM}}}EntityType", {"Name": table.name})
        key = ET.SubElement(entity, f"{{{EDM}}}Key")
        for name in table.key:
            ET.SubElement(key, f"{{{EDM}}}PropertyRef", {"Name": name})
        for column in table.columns:
            prop = ET.SubElement(entity, f"{{{EDM}}}Property", _property_attributes(column, date_type))
            if column.sql_type == "rowversion":
                ET.SubElement(prop, f"{{{EDM}}}Annotation", {"Term": "Core.Computed", "Bool": "true"})
    container = ET.SubElement(schema, f"{{{EDM}}}EntityContainer", {"Name": f"SysproCompany{company}"})
    for table in tables:
        ET.SubElement(container, f"{{{EDM}}}EntitySet", {"Name": table.name, "EntityType": f"{NAMESPACE}.{table.name}"})
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document


def _property_attributes(column: Column, date_type: str) -> dict[str, str]:
    attributes = {"Name": column.name, "Type": column.edm_type(date_type)}
    if not column.nullable:
        attributes["Nullable"] = "false"
    if column.kind == "str" and column.length:
        attributes["MaxLength"] = str(column.length)
    elif column.kind == "binary":
        attributes["MaxLength"] = "8"
    elif column.sql_type == "decimal":
        attributes["Precision"], attributes["Scale"] = str(column.length), str(column.scale)
    elif column.kind == "date" and date_type == "DateTimeOffset":
        attributes["Precision"] = "0"
    return attributes

"""The LookML project the emulator serves: models, explores, joins, views, fields and datagroups,
built from ``*.model.lkml`` / ``*.view.lkml`` files (or the built-in demo project)."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path

from ml_connector.emulators.looker.lookml import Block, parse_lookml

DEFAULT_TIMEFRAMES = ("raw", "time", "date", "week", "month", "quarter", "year")
MEASURE_TYPES = {"count", "count_distinct", "sum", "average", "min", "max", "number"}


def title_case(name: str) -> str:
    """Looker's default label: ``gl_account`` -> ``Gl Account``."""
    return " ".join(part.capitalize() for part in name.split("_") if part)


@dataclass
class Field:
    """A dimension or measure of a view; dimension groups expand into one Field per timeframe."""

    view: str
    name: str
    category: str  # "dimension" | "measure"
    type: str
    sql: str | None
    label: str | None = None
    description: str | None = None
    primary_key: bool = False
    hidden: bool = False
    group: str | None = None  # dimension_group name
    timeframe: str | None = None
    group_label: str | None = None
    value_format_name: str | None = None
    filters: list[tuple[str, str]] = field(default_factory=list)  # measure `filters: [f: "v"]`

    @property
    def is_numeric(self) -> bool:
        if self.category == "measure":
            return True
        return self.type == "number" or self.timeframe == "year"

    @property
    def label_short(self) -> str:
        if self.label:
            return self.label
        if self.group and self.timeframe:
            return f"{title_case(self.group)} {title_case(self.timeframe)}"
        return title_case(self.name)


@dataclass
class View:
    name: str
    source_file: str
    sql_table_name: str | None = None
    derived_sql: str | None = None
    label: str | None = None
    fields: dict[str, Field] = field(default_factory=dict)

    @property
    def primary_key(self) -> Field | None:
        return next((f for f in self.fields.values() if f.primary_key), None)


@dataclass
class Join:
    name: str  # alias used in field names and SQL
    view: str  # the view it reads (`from:`, defaults to the name)
    sql_on: str | None
    relationship: str = "many_to_one"
    type: str = "left_outer"
    view_label: str | None = None


@dataclass
class Explore:
    name: str
    view: str  # base view (`from:` / `view_name:`, defaults to the name)
    label: str | None = None
    description: str | None = None
    hidden: bool = False
    group_label: str | None = None
    persist_with: str | None = None
    sql_always_where: str | None = None
    joins: list[Join] = field(default_factory=list)


@dataclass
class Datagroup:
    model: str
    name: str
    sql_trigger: str | None = None
    max_cache_age: str | None = None
    label: str | None = None


@dataclass
class Model:
    name: str
    connection: str
    source_file: str
    label: str | None = None
    includes: list[str] = field(default_factory=list)
    persist_with: str | None = None
    explores: dict[str, Explore] = field(default_factory=dict)
    datagroups: dict[str, Datagroup] = field(default_factory=dict)


@dataclass
class Project:
    name: str
    models: dict[str, Model] = field(default_factory=dict)
    views: dict[str, View] = field(default_factory=dict)

    def views_for(self, model: Model) -> dict[str, View]:
        """The views a model includes (every view when it declares no ``include:``)."""
        if not model.includes:
            return self.views
        patterns = [p.lstrip("/") for p in model.includes]
        return {
            name: view
            for name, view in self.views.items()
            if any(
                fnmatch.fnmatch(view.source_file, p) or fnmatch.fnmatch(view.source_file, p + ".lkml") for p in patterns
            )
        }


def load_project(files: dict[str, str], name: str = "ml_connector") -> Project:
    """Build a project from ``{relative path: LookML text}``."""
    project = Project(name)
    for path in sorted(files):
        root = parse_lookml(files[path], path)
        for block in root.blocks("view"):
            view = _view(block, path)
            project.views[view.name] = view
        if path.endswith(".model.lkml"):
            model = _model(root, path)
            project.models[model.name] = model
    return project


def read_lookml_dir(directory: str | Path) -> dict[str, str]:
    base = Path(directory)
    return {p.relative_to(base).as_posix(): p.read_text(encoding="utf-8") for p in base.rglob("*.lkml")}


def _model(root: Block, path: str) -> Model:
    name = Path(path).name.removesuffix(".model.lkml")
    model = Model(name, root.get("connection") or "", path, label=root.get("label"))
    model.includes = root.get_all("include")
    model.persist_with = root.get("persist_with")
    for block in root.blocks("datagroup"):
        assert block.name
        model.datagroups[block.name] = Datagroup(
            name, block.name, block.get("sql_trigger"), block.get("max_cache_age"), block.get("label")
        )
    for block in root.blocks("explore"):
        assert block.name
        explore = Explore(
            block.name,
            block.get("from") or block.get("view_name") or block.name,
            label=block.get("label"),
            description=block.get("description"),
            hidden=block.flag("hidden"),
            group_label=block.get("group_label"),
            persist_with=block.get("persist_with"),
            sql_always_where=block.get("sql_always_where"),
        )
        for join in block.blocks("join"):
            assert join.name
            explore.joins.append(
                Join(
                    join.name,
                    join.get("from") or join.name,
                    join.get("sql_on"),
                    join.get("relationship") or "many_to_one",
                    join.get("type") or "left_outer",
                    join.get("view_label"),
                )
            )
        model.explores[explore.name] = explore
    return model


def _view(block: Block, path: str) -> View:
    assert block.name
    view = View(block.name, path, block.get("sql_table_name"), label=block.get("label"))
    for derived in block.blocks("derived_table"):
        view.derived_sql = derived.get("sql")
    for kind in ("dimension", "measure"):
        for fb in block.blocks(kind):
            assert fb.name
            view.fields[fb.name] = _field(view.name, fb, kind)
    for group in block.blocks("dimension_group"):
        assert group.name
        timeframes = [str(t) for t in group.get_list("timeframes")] or list(DEFAULT_TIMEFRAMES)
        for timeframe in timeframes:
            f = _field(view.name, group, "dimension")
            f.name, f.group, f.timeframe, f.label = f"{group.name}_{timeframe}", group.name, timeframe, None
            f.type = "date_" + timeframe
            view.fields[f.name] = f
    return view


def _field(view: str, block: Block, category: str) -> Field:
    assert block.name
    default_type = "count" if category == "measure" and block.get("sql") is None else "string"
    ftype = block.get("type") or default_type
    filters = [item for item in block.get_list("filters") if isinstance(item, tuple)]
    return Field(
        view,
        block.name,
        category,
        ftype,
        block.get("sql"),
        label=block.get("label"),
        description=block.get("description"),
        primary_key=block.flag("primary_key"),
        hidden=block.flag("hidden"),
        group_label=block.get("group_label"),
        value_format_name=block.get("value_format_name"),
        filters=filters,
    )

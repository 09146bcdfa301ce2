"""A conformance run's report: what matched, what differed and why, as text, JSON or Markdown.

Per family: sequences run, matched and differed, commands compared and skipped (with the
reasons), deviations applied; per wire check or open question: matched, differed or
skipped, with both observations. Each difference has the command, both replies, whether
``fakestash/deviations.py`` explains it, and a one-line reproduction. JSON and Markdown hold
no time stamps, so two runs with the same seed diff cleanly.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from fakestash._engine.replies import ErrorReply, Reply, Status


@dataclass
class Difference:
    """One place where the fake and the endpoint answered differently."""

    where: str
    command: str
    fake: str
    endpoint: str
    reproduce: str
    explained_by: str | None = None
    #: The commands sent before it in its sequence, oldest first.
    recent: list[str] = field(default_factory=list)


@dataclass
class FamilyResult:
    name: str
    summary: str
    sequences: int = 0
    matched: int = 0
    differed: int = 0
    #: Commands compared (a full SCAN iteration counts once).
    compared: int = 0
    #: Why the whole family was not run, if it was not.
    skipped_because: str | None = None
    #: Commands sent to neither side, by "COMMAND: reason".
    skipped: dict[str, int] = field(default_factory=dict)
    #: Deviations from Redis applied (against Redis), by id.
    deviations: dict[str, int] = field(default_factory=dict)
    differences: list[Difference] = field(default_factory=list)


@dataclass
class CheckResult:
    id: str
    title: str
    #: "matched", "differed" or "skipped".
    outcome: str
    question: str | None = None
    fake: Any = None
    endpoint: Any = None
    reason: str | None = None
    explained_by: str | None = None
    reproduce: str = ""


@dataclass
class Report:
    endpoint: str
    against: str
    version: str = ""
    read_only: bool = False
    exclusive: bool = False
    resp2: bool = True
    seed: int = 0
    sequences: int = 0
    steps: int = 0
    planned_commands: int = 0
    commands_sent: int = 0
    families: list[FamilyResult] = field(default_factory=list)
    checks: list[CheckResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def differences(self) -> list[Difference]:
        return [d for family in self.families for d in family.differences]

    @property
    def unexplained(self) -> int:
        """Differences nothing explains: sequences and checks."""
        in_families = sum(1 for d in self.differences() if d.explained_by is None)
        in_checks = sum(
            1 for c in self.checks if c.outcome == "differed" and c.explained_by is None
        )
        return in_families + in_checks

    @property
    def exit_status(self) -> int:
        """0 when nothing unexplained differs, else 1."""
        return 0 if self.unexplained == 0 else 1

    # ---- renderings ----------------------------------------------------------------------

    def to_json(self) -> str:
        data = asdict(self)
        data["unexplained"] = self.unexplained
        data["exit_status"] = self.exit_status
        return json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"

    def to_text(self) -> str:
        return _Text(self).render()

    def to_markdown(self) -> str:
        return _Markdown(self).render()


def show(reply: Reply) -> str:
    """A reply on one line: ``"bulk"``, ``OK`` (a status), ``5``, ``nil``, ``(error) …``,
    ``[…]``."""
    if isinstance(reply, Status):
        return str(reply)
    if isinstance(reply, bytes):
        return json.dumps(reply.decode("utf-8", "backslashreplace"), ensure_ascii=False)
    if isinstance(reply, ErrorReply):
        return f"(error) {reply.text}"
    if isinstance(reply, list):
        return "[" + ", ".join(show(item) for item in reply) + "]"
    if reply is None:
        return "nil"
    return str(reply)


def _settings(report: Report) -> list[str]:
    kind = {"redis": "as Redis: fakestash's deviations from Redis applied",
            "upstash": "as Upstash: compared as it answers"}[report.against]  # fmt: skip
    token = "read-only: nothing was written" if report.read_only else "read-write"
    database = ("the run's own (--exclusive)" if report.exclusive
                else "shared: database-wide commands skipped")  # fmt: skip
    version = f" {report.version}" if report.version else ""
    return [
        f"endpoint: {report.endpoint} (reports Redis{version}; checked {kind})",
        f"token: {token}; database: {database}",
        f"seed {report.seed}: {report.sequences} sequences per family, {report.steps} steps each",
        f"commands sent to the endpoint: {report.commands_sent} "
        f"(planned {report.planned_commands})",
        *([] if report.resp2 else ["replies read in base64 JSON (the endpoint has no RESP2)"]),
    ]


def _verdict(report: Report) -> str:
    explained = sum(1 for d in report.differences() if d.explained_by) + sum(
        1 for c in report.checks if c.outcome == "differed" and c.explained_by
    )
    if report.unexplained:
        return f"FAILED: {report.unexplained} unexplained difference(s), {explained} explained"
    return f"OK: no unexplained difference ({explained} explained by fakestash/deviations.py)"


def _family_line(family: FamilyResult) -> str:
    if family.skipped_because:
        return f"skipped: {family.skipped_because}"
    skipped = sum(family.skipped.values())
    return (
        f"{family.matched}/{family.sequences} sequences matched, {family.differed} differed; "
        f"{family.compared} commands compared, {skipped} skipped"
    )


def _counts(family: FamilyResult) -> str:
    return ", ".join(f"{name} {n}x" for name, n in sorted(family.deviations.items()))


def _explanation(explained_by: str | None) -> str:
    if explained_by is None:
        return "not explained by fakestash/deviations.py"
    return f"explained by deviation {explained_by!r} (fakestash/deviations.py)"


class _Text:
    def __init__(self, report: Report) -> None:
        self.report = report
        self.lines: list[str] = []

    def render(self) -> str:
        report = self.report
        self.lines += ["fakestash conformance", *("  " + s for s in _settings(report)), ""]
        self.lines.append("Wire checks and open questions:")
        for result in report.checks:
            self._check(result)
        self.lines += ["", "Command families:"]
        for family in report.families:
            self.lines.append(f"  {family.name:<12} {_family_line(family)}")
            for reason, count in sorted(family.skipped.items()):
                self.lines.append(f"      skipped {count}x {reason}")
            if family.deviations:
                self.lines.append(f"      deviations from Redis applied: {_counts(family)}")
            for difference in family.differences:
                self._difference(difference)
        self.lines += ["", *report.notes, _verdict(report)]
        return "\n".join(self.lines) + "\n"

    def _check(self, result: CheckResult) -> None:
        tag = f" [{result.question}]" if result.question else ""
        self.lines.append(f"  {result.outcome:<8} {result.id}{tag}: {result.title}")
        if result.outcome == "skipped":
            self.lines.append(f"           ({result.reason})")
        elif result.outcome == "differed":
            self.lines.append(f"           fake:     {json.dumps(result.fake, ensure_ascii=False)}")
            self.lines.append(
                f"           endpoint: {json.dumps(result.endpoint, ensure_ascii=False)}"
            )
            self.lines.append(f"           {_explanation(result.explained_by)}")
            self.lines.append(f"           reproduce: {result.reproduce}")

    def _difference(self, difference: Difference) -> None:
        self.lines += [
            f"    DIFFERENCE {difference.where}: {difference.command}",
            f"      fake:      {difference.fake}",
            f"      endpoint:  {difference.endpoint}",
            f"      {_explanation(difference.explained_by)}",
            f"      reproduce: {difference.reproduce}",
        ]
        if difference.recent:
            self.lines.append("      commands before it:")
            self.lines += [f"        {command}" for command in difference.recent]


class _Markdown:
    def __init__(self, report: Report) -> None:
        self.report = report

    def render(self) -> str:
        report = self.report
        out = ["# fakestash conformance report", "", *(f"- {s}" for s in _settings(report))]
        out += ["", f"**{_verdict(report)}**", "", "## Command families", ""]
        out += ["| family | sequences | matched | differed | compared | skipped |",
                "|---|---:|---:|---:|---:|---:|"]  # fmt: skip
        for f in report.families:
            if f.skipped_because:
                out.append(f"| {f.name} | skipped: {_cell(f.skipped_because)} | | | | |")
                continue
            out.append(f"| {f.name} | {f.sequences} | {f.matched} | {f.differed} | "
                       f"{f.compared} | {sum(f.skipped.values())} |")  # fmt: skip
        out += self._skips() + self._deviations() + self._differences() + self._checks()
        out += ["", *(f"- {note}" for note in report.notes)]
        return "\n".join(out).rstrip() + "\n"

    def _skips(self) -> list[str]:
        rows = [(f.name, reason, n) for f in self.report.families for reason, n in
                sorted(f.skipped.items())]  # fmt: skip
        if not rows:
            return []
        out = ["", "### Skipped commands", "", "| family | command: reason | count |",
               "|---|---|---:|"]  # fmt: skip
        return out + [f"| {name} | {_cell(reason)} | {n} |" for name, reason, n in rows]

    def _deviations(self) -> list[str]:
        rows = [f"| {f.name} | {_counts(f)} |" for f in self.report.families if f.deviations]
        if not rows:
            return []
        return ["", "### Deviations from Redis applied", "", "| family | deviations |",
                "|---|---|", *rows]  # fmt: skip

    def _differences(self) -> list[str]:
        differences = self.report.differences()
        if not differences:
            return []
        out = ["", "## Differences"]
        for d in differences:
            out += ["", f"### {d.where}: `{d.command}`", "", f"- fake: `{d.fake}`",
                    f"- endpoint: `{d.endpoint}`", f"- {_explanation(d.explained_by)}",
                    f"- reproduce: `{d.reproduce}`"]  # fmt: skip
            if d.recent:
                out += ["", "```", *d.recent, "```"]
        return out

    def _checks(self) -> list[str]:
        out = ["", "## Wire checks and open questions", "",
               "| check | question | outcome | fake | endpoint |",
               "|---|---|---|---|---|"]  # fmt: skip
        for c in self.report.checks:
            fake = "" if c.outcome == "skipped" else _cell(json.dumps(c.fake, ensure_ascii=False))
            endpoint = c.reason or ""
            if c.outcome != "skipped":
                endpoint = _cell(json.dumps(c.endpoint, ensure_ascii=False))
            outcome = c.outcome + (f" (explained: {c.explained_by})" if c.explained_by else "")
            out.append(f"| {c.id} | {c.question or ''} | {outcome} | {fake} | {endpoint} |")
        return out


def _cell(text: str) -> str:
    return "`" + text.replace("|", "\\|").replace("`", "'") + "`" if text else ""

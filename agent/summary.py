"""The run's summary in Markdown, written beside its audit log: a pull-request body for the branch."""
from __future__ import annotations

from codeidx.agent.contracts import Handover, TestRun, finding_key
from codeidx.agent.review import Finding


def summary_markdown(h: Handover) -> str:
    title = h.task.strip().splitlines()[0][:80] if h.task.strip() else "(no task)"
    parts = [f"# {title}", f"Run `{h.run_id}` on branch `{h.branch}`: **{h.status}**. {h.reason}"]
    parts += ["## Spec", h.spec.markdown() if h.spec else "No spec was accepted."]
    parts += ["## Test evidence", _evidence(h)]
    parts += ["## Review", _review(h)]
    parts += ["## Cost", _usage(h)]
    parts += ["## Change", f"```\n{h.diff_stat}\n```" if h.diff_stat else "Nothing was committed."]
    return "\n\n".join(parts) + "\n"


def _evidence(h: Handover) -> str:
    e = h.evidence
    if e is None:
        return "None: the model did not finish."
    rows = [("at the base", e.base), ("the change's tests on the base", e.tests_on_base), ("after the change", e.after)]
    lines = [f"Command: `{e.command}`. Test files changed: {', '.join(f'`{t}`' for t in e.test_files) or 'none'}.",
             "", "| run | exit | failing |", "| --- | --- | --- |"]
    lines += [f"| {name} | {run.exit_code} | {_ids(run)} |" for name, run in rows if run is not None]
    return "\n".join(lines)


def _ids(run: TestRun) -> str:
    if run.passed:
        return "none"
    return ", ".join(f"`{t}`" for t in run.failing[:10]) or "(exit status only)"


RESOLVED = {"clear": "nothing found", "fixed": "every finding fixed", "below-threshold": "findings remain, below the "
            "threshold", "approved": "findings remain, approved by a person", "declined": "findings remain, declined"}


def _review(h: Handover) -> str:
    r = h.review
    if r is None:
        return "None: the change did not reach review."
    remaining = {finding_key(f) for f in r.remaining}
    lines = [f"Threshold: {r.threshold}. Outcome: **{r.resolution}** ({RESOLVED[r.resolution]}). "
             f"Findings already at the base, not counted: {r.preexisting}."]
    first = {finding_key(f) for f in r.introduced}
    rows = list(r.introduced) + [f for f in r.remaining if finding_key(f) not in first]
    if rows:
        lines += ["", "| finding | severity | where | status |", "| --- | --- | --- | --- |"]
        lines += [f"| {f.tool} {f.rule}: {_cell(f)} | {f.severity} | `{f.path}:{f.line}` | "
                  f"{'remains' if finding_key(f) in remaining else 'fixed'} |" for f in rows]
    if r.argued:
        lines += ["", "The model argued:", "", *[f"> {line}" for line in r.argued.splitlines()]]
    lines += [f"- Not scanned: {why}" for why in r.skipped]
    return "\n".join(lines)


def _cell(f: Finding) -> str:
    return f.message.replace("|", "\\|")


def _usage(h: Handover) -> str:
    lines = ["| stage | model | tokens | cost (USD) |", "| --- | --- | --- | --- |"]
    lines += [f"| {u.stage} | {u.model} | {u.tokens} | {u.cost:.6f} |" for u in h.usage]
    total_tokens, total_cost = sum(u.tokens for u in h.usage), sum(u.cost for u in h.usage)
    return "\n".join(lines + [f"| total | | {total_tokens} | {total_cost:.6f} |"])

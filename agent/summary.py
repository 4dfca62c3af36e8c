"""The run's summary in Markdown, written beside its audit log: a pull-request body for the branch."""
from __future__ import annotations

from codeidx.agent.contracts import Handover, TestRun


def summary_markdown(h: Handover) -> str:
    title = h.task.strip().splitlines()[0][:80] if h.task.strip() else "(no task)"
    parts = [f"# {title}", f"Run `{h.run_id}` on branch `{h.branch}`: **{h.status}**. {h.reason}"]
    parts += ["## Spec", h.spec.markdown() if h.spec else "No spec was accepted."]
    parts += ["## Test evidence", _evidence(h)]
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


def _usage(h: Handover) -> str:
    lines = ["| stage | model | tokens | cost (USD) |", "| --- | --- | --- | --- |"]
    lines += [f"| {u.stage} | {u.model} | {u.tokens} | {u.cost:.6f} |" for u in h.usage]
    total_tokens, total_cost = sum(u.tokens for u in h.usage), sum(u.cost for u in h.usage)
    return "\n".join(lines + [f"| total | | {total_tokens} | {total_cost:.6f} |"])

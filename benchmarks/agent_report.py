"""What an agent run measured, per model; the resolve-rate-against-cost figure; two runs compared."""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from codeidx.benchmarks.agent_eval import NOT_RUN, RESULTS_FILE, AgentResult, read_results
from codeidx.core.errors import CodeidxError


@dataclass(frozen=True)
class ModelScore:
    model: str
    tasks: int
    resolved: int
    resolve_rate: float
    cost: float  # USD, all tasks
    mean_cost: float
    mean_steps: float
    mean_prompt_tokens: float
    mean_completion_tokens: float
    mean_wall_s: float
    context_file_rate: float  # share of tasks whose opening context held the gold file
    context_function_rate: float
    resolve_rate_gold_in_context: float | None  # resolve rate where the gold file was in the context
    resolve_rate_gold_not_in_context: float | None


def judged(rows: Sequence[AgentResult]) -> list[AgentResult]:
    """The rows that count: a task this machine could not run says nothing about the agent."""
    return [r for r in rows if r.status != NOT_RUN]


def score(rows: Sequence[AgentResult]) -> list[ModelScore]:
    rows = judged(rows)
    out = []
    for model in dict.fromkeys(r.model for r in rows):
        mine = [r for r in rows if r.model == model]
        seen = [r for r in mine if r.context_file]
        unseen = [r for r in mine if not r.context_file]
        resolved = sum(r.resolved for r in mine)
        out.append(ModelScore(
            model, len(mine), resolved, resolved / len(mine), round(sum(r.cost for r in mine), 6),
            statistics.mean(r.cost for r in mine), statistics.mean(r.steps for r in mine),
            statistics.mean(r.prompt_tokens for r in mine), statistics.mean(r.completion_tokens for r in mine),
            statistics.mean(r.wall_s for r in mine), _rate(mine, "context_file"), _rate(mine, "context_function"),
            _rate(seen, "resolved") if seen else None, _rate(unseen, "resolved") if unseen else None))
    return out


def _rate(rows: Sequence[AgentResult], name: str) -> float:
    return sum(bool(getattr(r, name)) for r in rows) / len(rows)


def report(rows: Sequence[AgentResult], command: str, machine: str) -> str:
    scores = score(rows)
    head = ["model", "tasks", "resolved", "resolve rate", "cost $", "mean cost $", "mean steps", "mean prompt tokens",
            "mean completion tokens", "mean wall s", "gold file in context", "gold function in context",
            "resolve rate: gold file in context / not"]
    table = [[s.model, str(s.tasks), str(s.resolved), f"{s.resolve_rate:.3f}", f"{s.cost:.4f}", f"{s.mean_cost:.4f}",
              f"{s.mean_steps:.1f}", f"{s.mean_prompt_tokens:.0f}", f"{s.mean_completion_tokens:.0f}",
              f"{s.mean_wall_s:.1f}", f"{s.context_file_rate:.3f}", f"{s.context_function_rate:.3f}",
              f"{_num(s.resolve_rate_gold_in_context)} / {_num(s.resolve_rate_gold_not_in_context)}"] for s in scores]
    per_task = [[r.task_id, r.model, "yes" if r.resolved else "no", r.status, str(r.steps),
                 str(r.prompt_tokens + r.completion_tokens), f"{r.cost:.4f}", f"{r.wall_s:.0f}",
                 ", ".join(f"{k} {v}" for k, v in r.tool_calls.items()), _yes(r.context_file) + "/" +
                 _yes(r.context_function), r.reason.splitlines()[0][:80] if r.reason else ""] for r in rows]
    return "\n\n".join([
        "### The agent on tasks from the repository's own tests",
        f"Command: `{command}`  \nMachine: {machine}", _table(head, table),
        *_not_run(rows),
        "Per task (context: gold file / gold function in the opening context):",
        _table(["task", "model", "resolved", "ended", "steps", "tokens", "cost $", "wall s", "tool calls", "context",
                "reason"], per_task)])


def plot(rows: Sequence[AgentResult], path: Path) -> Path:
    """Resolve rate against mean cost per task, one point per model."""
    import matplotlib

    matplotlib.use("Agg")  # files only: no display is needed or wanted
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4.5))
    for s in score(rows):
        ax.scatter([s.mean_cost], [s.resolve_rate], s=40)
        ax.annotate(s.model, (s.mean_cost, s.resolve_rate), textcoords="offset points", xytext=(5, 5), fontsize=8)
    ax.set_xlabel("mean cost per task (USD)")
    ax.set_ylabel("resolve rate")
    ax.set_ylim(0, 1.05)
    ax.set_xlim(left=0)
    ax.grid(alpha=0.3)
    ax.set_title("resolve rate against cost")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


@dataclass(frozen=True)
class Comparison:
    pairs: int  # (task, model) pairs both runs scored
    regressed: tuple[str, ...]  # resolved in A, not in B
    improved: tuple[str, ...]
    resolve_rate: tuple[float, float]  # A, B over the shared pairs
    mean_cost: tuple[float, float]
    mean_steps: tuple[float, float]


def load_run(path: Path) -> list[AgentResult]:
    """A run's rows, from its output folder (or its results.jsonl)."""
    file = path / RESULTS_FILE if path.is_dir() else path
    rows = read_results(file)
    if not rows:
        raise CodeidxError(f"no results in {file}: pass the --out folder of `codeidx bench agent run`")
    return rows


def compare(a: Sequence[AgentResult], b: Sequence[AgentResult]) -> Comparison:
    """The same tasks judged in two runs: by (task, model) where the runs share models, else, when each run has
    one model (a model against its new version), by task."""
    a, b = judged(a), judged(b)
    models_a, models_b = {r.model for r in a}, {r.model for r in b}
    by_model = bool(models_a & models_b)
    if not by_model and not len(models_a) == len(models_b) == 1:
        raise CodeidxError(f"the runs share no model ({', '.join(sorted(models_a))} against "
                           f"{', '.join(sorted(models_b))}): compare runs of the same models, or of one model each")

    def key(r: AgentResult) -> str:
        return f"{r.task_id} {r.model}" if by_model else r.task_id

    by_a, by_b = {key(r): r for r in a}, {key(r): r for r in b}
    shared = sorted(set(by_a) & set(by_b))
    if not shared:
        raise CodeidxError("the runs share no task: compare runs made from the same tasks file")
    first, second = [by_a[k] for k in shared], [by_b[k] for k in shared]
    return Comparison(
        len(shared), tuple(k for k in shared if by_a[k].resolved and not by_b[k].resolved),
        tuple(k for k in shared if by_b[k].resolved and not by_a[k].resolved),
        (_rate(first, "resolved"), _rate(second, "resolved")),
        (statistics.mean(r.cost for r in first), statistics.mean(r.cost for r in second)),
        (statistics.mean(r.steps for r in first), statistics.mean(r.steps for r in second)))


def comparison_text(c: Comparison, name_a: str, name_b: str) -> str:
    lines = [f"{c.pairs} tasks in both runs ({name_a} -> {name_b})",
             f"resolve rate {c.resolve_rate[0]:.3f} -> {c.resolve_rate[1]:.3f} "
             f"({c.resolve_rate[1] - c.resolve_rate[0]:+.3f})",
             f"mean cost ${c.mean_cost[0]:.4f} -> ${c.mean_cost[1]:.4f} ({c.mean_cost[1] - c.mean_cost[0]:+.4f})",
             f"mean steps {c.mean_steps[0]:.1f} -> {c.mean_steps[1]:.1f} ({c.mean_steps[1] - c.mean_steps[0]:+.1f})",
             f"regressed ({len(c.regressed)}): " + (", ".join(c.regressed) or "none"),
             f"improved ({len(c.improved)}): " + (", ".join(c.improved) or "none")]
    return "\n".join(lines)


def _not_run(rows: Sequence[AgentResult]) -> list[str]:
    skipped = {r.task_id: r.reason for r in rows if r.status == NOT_RUN}
    if not skipped:
        return []
    return [f"{len(skipped)} tasks could not run here and are not counted:\n\n"
            + "\n".join(f"- {task}: {why}" for task, why in skipped.items())]


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)

"""Mutation score of the modules `pyproject.toml`'s ``[tool.mutmut]`` names: runs mutmut 3 (unless ``--report-only``)
and writes docs/MUTATION.md — killed, survived and untested mutants per module, and the surviving mutants by
function, for triage.

    .venv/bin/python tests/mutation_score.py [--report-only]     (make mutation)

mutmut copies the tree to ``mutants/``, mutates the listed modules there, and runs the test files listed in
``pytest_add_cli_args_test_selection`` once per worker, switching mutants in-process; a mutant is killed when a test
fails under it. Browser tests are left out (a browser start per mutant); their modules keep unit tests of their own.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(ROOT, "docs", "MUTATION.md")
MUTMUT = os.path.join(os.path.dirname(sys.executable), "mutmut")
START, END = "<!-- MUTATION -->", "<!-- /MUTATION -->"
LINE = re.compile(r"^\s*(?P<name>\S+?)__mutmut_\d+: (?P<status>.+)$")


def results() -> list[tuple[str, str]]:
    """(mutated function, status) for every mutant of the last run."""
    out = subprocess.run([MUTMUT, "results", "--all", "true"], cwd=ROOT, capture_output=True, text=True, check=True)
    return [(m["name"], m["status"].strip()) for m in map(LINE.match, out.stdout.splitlines()) if m]


def module_of(function: str) -> str:
    return function.rsplit(".", 1)[0]


def write_doc(found: list[tuple[str, str]], machine: str) -> dict:
    per_module: dict = collections.defaultdict(collections.Counter)
    survivors: dict = collections.Counter()
    for function, status in found:
        per_module[module_of(function)][status] += 1
        if status == "survived":
            survivors[function.replace("xǁ", "").replace("ǁ", ".").replace(".x_", ".")] += 1
    killed = sum(c["killed"] for c in per_module.values())
    tested = sum(c["killed"] + c["survived"] + c["timeout"] for c in per_module.values())
    score = killed / tested if tested else 0.0
    lines = [
        f"`make mutation` (mutmut 3, `tests/mutation_score.py`), {machine}, {datetime.date.today().isoformat()}: "
        f"**{killed} of {tested} mutants killed ({score:.1%})** over the modules of `pyproject.toml`'s "
        "`[tool.mutmut]`; untested mutants (no selected test reaches the function) are counted apart.",
        "",
        "| module | killed | survived | no tests | score |",
        "|---|---|---|---|---|",
    ]
    for module in sorted(per_module):
        c = per_module[module]
        denominator = c["killed"] + c["survived"] + c["timeout"]
        share = f"{c['killed'] / denominator:.0%}" if denominator else "-"
        lines.append(f"| `{module}` | {c['killed']} | {c['survived']} | {c['no tests']} | {share} |")
    lines += ["", "Surviving mutants by function (`mutmut show NAME` prints each):", ""]
    lines += [f"- `{function}`: {count}" for function, count in survivors.most_common()]
    block = "\n".join([START, "", *lines, "", END])
    triage = "## Triage of the survivors\n\n(Written by hand after each run: why each kind of survivor is left.)\n"
    text = open(DOC, encoding="utf-8").read() if os.path.exists(DOC) else f"{START}\n{END}\n\n{triage}"
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    with open(DOC, "w", encoding="utf-8") as handle:
        handle.write(head + block + tail)  # the hand-written triage around the generated block is kept
    return {"killed": killed, "tested": tested, "score": score}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--report-only", action="store_true", help="summarise the last run without running mutmut")
    args = parser.parse_args()
    if not args.report_only:
        # mutmut leaves a module it copied unmutated before alone: a fresh copy, so that every listed module is mutated
        shutil.rmtree(os.path.join(ROOT, "mutants"), ignore_errors=True)
        subprocess.run([MUTMUT, "run"], cwd=ROOT, check=False)
    sys.path.insert(0, ROOT)
    from crfiqa_tf.environment import describe_machine

    summary = write_doc(results(), describe_machine())
    print(f"{summary['killed']} of {summary['tested']} mutants killed ({summary['score']:.1%}); {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

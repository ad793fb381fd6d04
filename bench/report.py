"""Report and entry-point pieces shared by the bench/*.py drivers (stdlib only, imported).

Each driver writes one JSON file per step into its work directory; its `report` subcommand
reads them back (load_json), builds the Markdown lines, and hands them to save(), which adds
the Summary table and the Problems/Notes lists, prints the report and keeps it as
bench/results/<name>-<stamp>.{md,json}. run_main() is the drivers' common main(): signals,
subcommand dispatch, and one exit status for an expected failure.
"""

import json
import os
import signal
import statistics
import subprocess
import sys

import bench


def med(vals):
    """Median of the values that are not None; None if there are none."""
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def f2(x, nd=2):
    return ("%.*f" % (nd, x)) if x is not None else "n/a"


def write_json(path, obj):
    with open(path, "w") as fh:
        json.dump(obj, fh, indent=1, default=str)


def load_json(path):
    """A step's JSON output; None if the step wrote none (skipped, or failed first)."""
    if not os.path.exists(path):
        return None
    with open(path) as fh:
        return json.load(fh)


def summary_table(rows, servers, ratio, extra=()):
    """The "## Summary" section: a metric column, one right-aligned column per server and the
    ratio (e.g. "T/R"), then the left-aligned `extra` columns; rows are tuples of strings."""
    numeric = list(servers) + [ratio]
    head = ["metric"] + numeric + list(extra)
    rule = ["---"] + ["--:"] * len(numeric) + ["---"] * len(extra)
    return (["## Summary", "", "| %s |" % " | ".join(head), "|%s|" % "|".join(rule)]
            + ["| %s |" % " | ".join(str(x) for x in row) for row in rows] + [""])


def save(lines, name, now, a, fields, summary, problems, notes, raw):
    """Finish and keep a report: lines (the Markdown so far, Summary table included) get the
    Problems and Notes lists; the whole is printed and written to <results_dir>/<name>-<stamp>.md,
    with a .json beside it holding the date, the report's args, `fields` (the driver's own
    tables), the summary, problems, notes and `raw` (every step's JSON). Returns the exit
    status: 1 if there were problems."""
    lines = list(lines)
    if problems:
        lines += ["**Problems:**", ""] + ["- " + p for p in problems] + [""]
    if notes:
        lines += ["Notes:", ""] + ["- " + p for p in notes] + [""]
    text = "\n".join(lines)
    print(text)
    os.makedirs(a.results_dir, exist_ok=True)
    stamp = name + "-" + now.strftime("%Y%m%d-%H%M%S")
    md_path = os.path.join(a.results_dir, stamp + ".md")
    with open(md_path, "w") as fh:
        fh.write(text)
    write_json(os.path.join(a.results_dir, stamp + ".json"),
               dict({"date": now.isoformat(), "args": vars(a)}, **fields,
                    summary=summary, problems=problems, notes=notes, raw=raw))
    bench.log("results written to %s (raw data: %s.json)" % (md_path, stamp))
    return 1 if problems else 0


def _on_term(signum, frame):
    sys.exit(128 + signum)  # SystemExit: subprocess.run kills its child on the way out


def run_main(ap, handlers):
    """Parse the command line of `ap` (subcommands in a.cmd) and run handlers[a.cmd](a).
    SIGTERM and SIGINT (ignored by default in background jobs) exit at once with 128+signal;
    an expected failure (a server gone, a tool that failed) is logged and exits 2."""
    signal.signal(signal.SIGTERM, _on_term)
    signal.signal(signal.SIGINT, _on_term)
    a = ap.parse_args()
    try:
        return handlers[a.cmd](a)
    except (RuntimeError, OSError, ConnectionError, ValueError, subprocess.SubprocessError) as e:
        bench.log("error: %s: %s" % (a.cmd, e))
        return 2

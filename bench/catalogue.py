"""Benchmark of the service catalogue: loading services.json, building the search index, searching.

Run: ``.venv/bin/python bench/catalogue.py [--catalogue FILE] [--runs 50] [--cold 10] [--builds 10]
[--repeat 5]``. Prints a markdown table on stdout.

How it measures, and why:

* *load, cold* is ``load_catalogue(FILE)`` as the first thing a **fresh interpreter** does, the
  imports it needs (json, fastjsonschema, flows) and the schema compilation included; it is
  what a kiosk pays at start-up, so it is run in ``--cold`` new processes (interpreter start-up
  itself excluded: the clock starts at the first line). *load, first call in this process* is the
  same in the benchmark's own process, one sample (the benchmark has already imported argparse,
  statistics and the like, so it can be a little lower).
* *load, warm* repeats ``load_catalogue`` in this process: read, parse, schema-validate, build and
  check the rules again, with everything imported and the validator compiled.
* *index build* is ``SearchIndex.build``: cold in the fresh processes (pypinyin's import, ~160 ms,
  included), warm here (pypinyin loaded, every character's readings looked up again).
* *search* is ``SearchIndex.search(query)`` (limit 10), ``--repeat`` times per query, over a query set
  made from the catalogue itself so it follows the catalogue's changes: Chinese names and parts of
  them, full pinyin, initials, codes, misspellings that need the fuzzy fallback (a swapped or dropped
  letter, ``ldyyz``), and nonsense that finds nothing (the slowest case: every matcher and the fuzzy
  pass over every name run). *source first* / *source in top 10* count the queries whose first hit,
  or one of whose hits, is the entry the query was made from (for nonsense: no hit at all); a part
  of a name or its first initials can fit several entries, so those are not all first.
* *RSS* is the peak resident set: of a bare interpreter, of a fresh one after the load and after the
  index build (``VmHWM``: a child's ``ru_maxrss`` would include this process's RSS, which Linux
  carries over through fork and exec), and of this process at the end, everything above done
  (``resource.getrusage(RUSAGE_SELF).ru_maxrss``).
"""
from __future__ import annotations

import argparse
import random
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.table import machine_lines, markdown_table, p95

LOAD_BUDGET_MS = 200.0
SEARCH_BUDGET_MS = 5.0

# In the fresh processes RSS is VmHWM from /proc/self/status: ru_maxrss there would include this
# process's own RSS, which Linux carries over into a child's maxrss through fork and exec.
COLD = r"""
import sys, time

def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])

t0 = time.perf_counter()
from flows.catalogue import load_catalogue
catalogue = load_catalogue(sys.argv[1])
t1 = time.perf_counter()
rss_load = hwm()
from flows.search import SearchIndex
t2 = time.perf_counter()
index = SearchIndex.build(catalogue)
t3 = time.perf_counter()
index.search("laonian")
t4 = time.perf_counter()
rss_index = hwm()
print((t1 - t0) * 1000, (t3 - t2) * 1000, (t4 - t3) * 1000, rss_load, rss_index)
"""
BARE = "print([line.split()[1] for line in open('/proc/self/status') if line.startswith('VmHWM:')][0])"

KINDS = ("text", "pinyin", "initials", "code", "fuzzy", "none")
NONSENSE = ["qqqqqq", "xkcdxkcd", "zzzzzz", "asdfghjkl", "wvwvwv", "qwertyuiop", "12345678", "!!!",
            "abcdefghijklmnopqrstuvwxyz", "Ωμέγα", "ppppbbbb"]


@dataclass
class Row:
    what: str
    times_ms: list[float]
    budget_ms: float | None = None
    found: tuple[int, int, int] | None = None   # (source first, source in the hits, queries)

    def cells(self) -> list[str]:
        worst, median = p95(self.times_ms), statistics.median(self.times_ms)
        within = "" if self.budget_ms is None else ("yes" if worst < self.budget_ms else "NO")
        return [self.what, str(len(self.times_ms)), f"{median:.3f}", f"{worst:.3f}", f"{max(self.times_ms):.3f}",
                "" if self.budget_ms is None else f"< {self.budget_ms:g} ms", within,
                "" if self.found is None else f"{self.found[0]}/{self.found[2]}",
                "" if self.found is None else f"{self.found[1]}/{self.found[2]}"]


HEAD = ["measurement", "runs", "median ms", "p95 ms", "max ms", "target (p95)", "within target",
        "source first", "source in top 10"]


def timed(call) -> tuple[float, object]:
    start = time.perf_counter()
    result = call()
    return (time.perf_counter() - start) * 1000, result


def fresh_processes(path: Path, count: int) -> list[tuple[float, float, float, int, int]]:
    results = []
    for _ in range(count):
        out = subprocess.run([sys.executable, "-c", COLD, str(path)], cwd=ROOT, capture_output=True, text=True,
                             check=False)
        if out.returncode:
            raise RuntimeError("the fresh-process load failed:\n" + out.stderr)
        load, build, search, rss_load, rss_index = out.stdout.split()
        results.append((float(load), float(build), float(search), int(rss_load), int(rss_index)))
    return results


def query_set(catalogue, seed: int = 2026) -> list[tuple[str, str, object]]:
    """(kind, query, the entry it was made from) made from the catalogue's own names, aliases and
    codes; nonsense has no entry."""
    from pypinyin import Style, lazy_pinyin

    from flows.search import normalise, ordered

    def spelled(text: str) -> list[str]:
        return lazy_pinyin(normalise(text), style=Style.NORMAL, errors=lambda chunk: list(chunk))

    rng = random.Random(seed)
    queries: list[tuple[str, str, object]] = []
    for item in ordered(catalogue):
        syllables = spelled(item.name)
        full, initials = "".join(syllables), "".join(syllable[0] for syllable in syllables)
        made = [("text", item.name), ("text", item.name[1:4]),
                ("pinyin", full), ("pinyin", "".join(syllables[:2])),
                ("initials", initials), ("initials", initials[:3]),
                ("code", item.code), ("code", item.code.lower().replace("-", ""))]
        for alias in item.aliases[:1]:
            made += [("text", alias), ("initials", "".join(syllable[0] for syllable in spelled(alias)))]
        if len(initials) >= 5:      # two neighbouring initials swapped
            at = rng.randrange(1, len(initials) - 2)
            made.append(("fuzzy", initials[:at] + initials[at + 1] + initials[at] + initials[at + 2:]))
        if len(full) >= 8:          # a letter dropped from the full pinyin
            at = rng.randrange(2, len(full) - 1)
            made.append(("fuzzy", full[:at] + full[at + 1:]))
        queries += [(kind, query, item) for kind, query in made]
    elderly = [item for item in catalogue.services.values() if "老年人优待证" in item.name]
    queries.append(("fuzzy", "ldyyz", elderly[0] if elderly else None))
    queries += [("none", text, None) for text in NONSENSE]
    return queries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--catalogue", type=Path, default=ROOT / "assets" / "catalogue" / "services.json")
    parser.add_argument("--runs", type=int, default=50, help="warm loads in this process")
    parser.add_argument("--cold", type=int, default=10, help="fresh processes for the cold figures")
    parser.add_argument("--builds", type=int, default=10, help="warm index builds in this process")
    parser.add_argument("--repeat", type=int, default=5, help="timed searches per query")
    args = parser.parse_args(argv)
    path = args.catalogue.resolve()

    def first_load():
        from flows.catalogue import load_catalogue
        return load_catalogue(path)

    first_ms, catalogue = timed(first_load)
    from flows.catalogue import load_catalogue
    from flows.search import SearchIndex
    warm = [timed(lambda: load_catalogue(path))[0] for _ in range(args.runs)]
    cold = fresh_processes(path, args.cold)
    bare_rss = int(subprocess.run([sys.executable, "-c", BARE], capture_output=True, text=True, check=True).stdout)
    first_build_ms, index = timed(lambda: SearchIndex.build(catalogue))
    builds = [timed(lambda: SearchIndex.build(catalogue))[0] for _ in range(args.builds)]

    queries = query_set(catalogue)
    by_kind: dict[str, list[float]] = {kind: [] for kind in KINDS}
    found = {kind: [0, 0, 0] for kind in KINDS}
    for kind, query, source in queries:
        hits = index.search(query)     # once untimed: the first search of a string is not the figure
        items = [hit.item for hit in hits]
        found[kind][0] += (not hits) if source is None else bool(items) and items[0] is source
        found[kind][1] += (not hits) if source is None else source in items
        found[kind][2] += 1
        for _ in range(args.repeat):
            by_kind[kind].append(timed(lambda query=query: index.search(query))[0])
    rss_end = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    rows = [
        Row("load, cold (fresh process, imports included)", [run[0] for run in cold], LOAD_BUDGET_MS),
        Row("load, first call in this process", [first_ms], LOAD_BUDGET_MS),
        Row("load, warm", warm, LOAD_BUDGET_MS),
        Row("index build, cold (fresh process, pypinyin import included)", [run[1] for run in cold]),
        Row("index build, first in this process", [first_build_ms]),
        Row("index build, warm", builds),
        Row("first search after the build (fresh process)", [run[2] for run in cold], SEARCH_BUDGET_MS),
        Row("search, all queries", [ms for kind in KINDS for ms in by_kind[kind]], SEARCH_BUDGET_MS,
            tuple(sum(counts[i] for counts in found.values()) for i in range(3))),
    ]
    names = {"text": "Chinese text", "pinyin": "full pinyin", "initials": "initials", "code": "codes",
             "fuzzy": "misspelt (fuzzy)", "none": "nonsense (no hit)"}
    rows += [Row(f"search: {names[kind]}", by_kind[kind], SEARCH_BUDGET_MS, tuple(found[kind]))
             for kind in KINDS]

    names_count = sum(1 + len(item.aliases) for item in [*catalogue.services.values(), *catalogue.bundles.values()])
    print("# Service catalogue benchmark: load, search index, search\n")
    for line in machine_lines():
        print(line)
    print(f"- catalogue: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}, "
          f"{path.stat().st_size} bytes, version {catalogue.version}: {len(catalogue.services)} services, "
          f"{len(catalogue.bundles)} bundles, {names_count} names and aliases; {len(queries)} queries "
          f"x {args.repeat}")
    mb = [rss / 1024 for rss in (bare_rss, statistics.median(run[3] for run in cold),
                                 statistics.median(run[4] for run in cold), rss_end)]
    print(f"- RSS (max resident): bare interpreter {mb[0]:.1f} MB; fresh process after the load {mb[1]:.1f} MB, "
          f"after the index build {mb[2]:.1f} MB; this process at the end {mb[3]:.1f} MB")
    print(f"- targets: load under {LOAD_BUDGET_MS:g} ms, search under {SEARCH_BUDGET_MS:g} ms, "
          "judged on the p95\n")
    print(markdown_table(HEAD, [row.cells() for row in rows]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

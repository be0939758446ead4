"""Summarise the per-suite junit XML written by run.sh.

usage: summarize.py RESULTS_DIR SUITE...

Prints a per-suite table and a total line, writes RESULTS_DIR/passed.txt and
RESULTS_DIR/failed.txt (one test id per line, sorted) for diffing runs.
Exit status: 0 all ran tests passed, 1 some failed/errored or a suite has no
result (e.g. killed by the time bound).
"""

import os
import sys
import xml.etree.ElementTree as ET


def main() -> int:
    results, suites = sys.argv[1], sys.argv[2:]
    passed_ids, failed_ids = [], []
    rows = []
    incomplete = False
    for suite in suites:
        path = os.path.join(results, f"{suite}.xml")
        if not os.path.exists(path):
            rows.append((suite, None))
            incomplete = True
            continue
        counts = {"passed": 0, "failed": 0, "error": 0, "skipped": 0}
        for case in ET.parse(path).getroot().iter("testcase"):
            tid = f"{case.get('classname')}::{case.get('name')}"
            kinds = {child.tag for child in case}
            if "failure" in kinds:
                counts["failed"] += 1
                failed_ids.append(tid)
            elif "error" in kinds:
                counts["error"] += 1
                failed_ids.append(tid)
            elif "skipped" in kinds:
                counts["skipped"] += 1
            else:
                counts["passed"] += 1
                passed_ids.append(tid)
        rows.append((suite, counts))

    total = {"passed": 0, "failed": 0, "error": 0, "skipped": 0}
    print()
    print(f"{'suite':<26}{'passed':>8}{'failed':>8}{'errors':>8}{'skipped':>9}")
    for suite, c in rows:
        if c is None:
            print(f"{suite:<26}   (no result: not run or killed by the time bound)")
            continue
        for k in total:
            total[k] += c[k]
        print(f"{suite:<26}{c['passed']:>8}{c['failed']:>8}{c['error']:>8}{c['skipped']:>9}")
    print(f"{'TOTAL':<26}{total['passed']:>8}{total['failed']:>8}{total['error']:>8}{total['skipped']:>9}")
    for name, ids in (("passed.txt", passed_ids), ("failed.txt", failed_ids)):
        with open(os.path.join(results, name), "w") as f:
            f.writelines(i + "\n" for i in sorted(ids))
    print()
    print(
        f"moto-conformance: {total['passed']} passed, "
        f"{total['failed'] + total['error']} failed, {total['skipped']} skipped"
    )
    return 1 if incomplete or total["failed"] or total["error"] else 0


if __name__ == "__main__":
    sys.exit(main())

# Parses a Prometheus text exposition (stdin) with the reference Python client (Debian's python3-prometheus-client)
# and checks the naming rules of https://prometheus.io/docs/practices/naming/; prints the families and problems as JSON.
import json
import math
import re
import sys

from prometheus_client.parser import text_string_to_metric_families

NON_BASE_UNITS = {"milliseconds", "ms", "us", "microseconds", "minutes", "hours", "days", "kb", "mb", "gb", "kib", "mib", "gib", "kilobytes", "megabytes", "percentage"}
TIME_WORDS = re.compile(r"(^|_)(duration|lag|time|uptime|latency|age)(_|$)")
SIZE_WORDS = re.compile(r"(^|_)(memory|heap|size)(_|$)")

families = {}
problems = []
for family in text_string_to_metric_families(sys.stdin.read()):
    parts = family.name.split("_")
    names = sorted({s.name for s in family.samples})
    if family.type == "counter":
        wrong = [n for n in names if n not in (family.name + "_total", family.name + "_created")]
        if wrong:
            problems.append(f"counter {family.name}: samples {wrong} do not end in _total")
    elif family.name.endswith("_total"):
        problems.append(f"{family.type} {family.name} ends in _total, which only counters may")
    for p in parts:
        if p in NON_BASE_UNITS:
            problems.append(f"{family.name}: {p} is not a base unit (seconds, bytes)")
    if TIME_WORDS.search(family.name) and "seconds" not in parts:
        problems.append(f"{family.name}: a time without _seconds")
    if SIZE_WORDS.search(family.name) and "bytes" not in parts and not family.name.endswith("_info"):
        problems.append(f"{family.name}: a size without _bytes")
    if not family.documentation:
        problems.append(f"{family.name}: no HELP")
    families[family.name] = {
        "type": family.type,
        "samples": [{"name": s.name, "labels": s.labels, "value": s.value if math.isfinite(s.value) else str(s.value)} for s in family.samples],
    }
json.dump({"families": families, "problems": problems}, sys.stdout)

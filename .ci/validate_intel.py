#!/usr/bin/env python3
"""Validate kansoku intel exports with external tools (run by .ci/run).

usage: validate_intel.py BUNDLE.json MISP_FEED_DIR

* the STIX 2.1 bundle through stix2-validator (OASIS): any error fails;
* every event file of the MISP feed through PyMISP's MISPEvent().load_file, checking
  that each attribute listed in hashes.csv is there and the manifest names each event.
"""
import csv
import hashlib
import json
import os
import sys

from stix2validator import ValidationOptions, print_results, validate_file
from pymisp import MISPEvent

bundle, feed = sys.argv[1], sys.argv[2]

results = validate_file(bundle, ValidationOptions(version="2.1"))
print_results(results)
n_objects = len(json.load(open(bundle))["objects"])
if not results.is_valid:
    sys.exit(f"{bundle}: STIX 2.1 validation FAILED")
print(f"{bundle}: valid STIX 2.1 ({n_objects} objects)")

manifest = json.load(open(os.path.join(feed, "manifest.json")))
if not manifest:
    sys.exit(f"{feed}: empty manifest")
hashes = {}
with open(os.path.join(feed, "hashes.csv")) as f:
    for md5, uuid in csv.reader(f):
        hashes.setdefault(uuid, set()).add(md5)
for uuid, summary in manifest.items():
    ev = MISPEvent()
    ev.load_file(os.path.join(feed, f"{uuid}.json"))
    if ev.uuid != uuid or ev.info != summary["info"]:
        sys.exit(f"{uuid}: event does not match its manifest entry")
    got = {hashlib.md5(a.value.encode()).hexdigest() for a in ev.attributes}
    if got != hashes.get(uuid, set()):
        sys.exit(f"{uuid}: hashes.csv does not list exactly the event's attributes")
    kinds = sorted({a.type for a in ev.attributes})
    print(f"{uuid}: PyMISP loaded {len(ev.attributes)} attributes ({', '.join(kinds)}), tags {[t.name for t in ev.tags]}")

#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Validates JSON documents against one definition of docs/slotguard.schema.json
# with Debian's python3-jsonschema, and holds the text to what the schema
# cannot say: durations ("*seconds*" keys) carry at most 3 decimals.
# Usage: schema_check.py SCHEMA DEF FILE [--lines]
#   FILE holds one document, or with --lines one per line (a "<N>" syslog
#   prefix is cut off first). Prints one line per problem; exit 1 if any.
import json
import re
import sys

import jsonschema

schema_path, name, path = sys.argv[1:4]
lines = "--lines" in sys.argv[4:]
with open(schema_path) as f:
    schema = json.load(f)
if name not in schema["$defs"]:
    print(f"{name}: no such definition in {schema_path}")
    sys.exit(1)
validator = jsonschema.Draft202012Validator(
    {"$defs": schema["$defs"], "$ref": f"#/$defs/{name}"})
with open(path) as f:
    text = f.read()
docs = [re.sub(r"^<[0-9]>", "", l) for l in text.splitlines() if l.strip()] \
    if lines else [text]
decimals = re.compile(r'"[a-z_]*seconds[a-z_]*": ?-?[0-9]+\.[0-9]{4,}')
bad = 0
for i, doc in enumerate(docs):
    where = f"{path}{':' + str(i + 1) if lines else ''}"
    try:
        value = json.loads(doc)
    except ValueError as e:
        print(f"{where}: not JSON: {e}: {doc[:120]}")
        bad += 1
        continue
    for err in sorted(validator.iter_errors(value), key=str)[:3]:
        at = "/".join(str(p) for p in err.absolute_path)
        print(f"{where}: {name}: at /{at}: {err.message[:200]}")
        bad += 1
    m = decimals.search(doc)
    if m:
        print(f"{where}: a duration with more than 3 decimals: {m.group(0)}")
        bad += 1
sys.exit(1 if bad else 0)
